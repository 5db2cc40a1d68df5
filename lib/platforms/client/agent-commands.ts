/**
 * The shell scripts that start and stop the agent on a client machine, the same for every agent
 * driver (SSM Run Command on EC2, aws/ssm-agent-driver.ts; Azure Run Command on a VM,
 * azure/run-command-driver.ts).
 *
 * The plan holds the run's callback secret, and both clouds keep a command's text in their
 * history, so the plan never goes in a script: the start script downloads it from a short-lived
 * URL into a private directory (`umask 077`, file mode 0600), starts the agent as its own transient
 * systemd unit (`systemd-run --unit fb-agent-<run> --collect`: its own cgroup, so never the capped
 * cgroup of the SSM or Azure VM agent that ran the script) with the plan file as its argument and
 * its output in the run's agent log, checks that it is still running a moment later, and prints a
 * "faas-benchmarker agent started: run … pid N" line (see {@link agentStartedPattern}). With
 * `bootWait`, the script first waits for the machine's boot script to finish, and stops at once,
 * printing the boot script's reason, when it failed (see ./start-output.ts). The teardown script
 * stops the run's unit (and, for an agent started otherwise, `pkill -f` on the anchored plan file
 * name), prints the agent's log (its last
 * {@link AGENT_LOG_TAIL_BYTES} bytes) after a "faas-benchmarker agent log: run …" line, and removes the
 * plan; it is safe to run again. So the run's agent log reaches the command's output, which SSM sends
 * to the stage's agent log group and the Azure driver saves to the results bucket (`fb logs`).
 */

/** The command that starts the agent when the driver is not told another; the plan file's path is appended. */
export const DEFAULT_AGENT_COMMAND = 'cd /opt/faas-benchmarker && node bin/agent.js';
/** The private directory on the machine holding plans and agent logs, unless the driver is told another. */
export const DEFAULT_REMOTE_DIR = '/var/tmp/faas-benchmarker';

/** A run id that is safe as part of a file name and a regex (what every script is made from). */
export const SAFE_RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * `value` as one POSIX shell word: single-quoted, each `'` written as `'\''`. Every byte but NUL
 * (which no argument can hold) stands for itself inside single quotes.
 */
export function shellQuote(value: string): string {
  if (value.includes('\0')) throw new TypeError('a shell word cannot contain a NUL byte');
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * The boot script's markers the start command waits for (./boot-script.ts writes them): the ready
 * file once the agent is installed, the failed file, holding its reason, when the boot failed.
 */
export interface BootWait {
  readyFile: string;
  failedFile: string;
  /** How long to wait for either; kept well inside the RunAgent task's heartbeat budget. */
  timeoutSeconds: number;
}

/** The first words of the line the start command prints when the machine's boot failed. */
export const BOOT_FAILED_PREFIX = 'faas-benchmarker client boot failed:';
/** The first words of the line the start command prints when the agent stopped as soon as it started. */
export const AGENT_EXITED_PREFIX = 'faas-benchmarker agent exited at start:';
/** How long after its start the agent must still run to count as started. */
export const AGENT_SETTLE_SECONDS = 2;
/** How much of the agent's log the start command prints when the agent stopped at once. */
const START_LOG_TAIL_BYTES = 2000;

/** The systemd unit the run's agent runs as. */
export function agentUnitName(runId: string): string {
  return `fb-agent-${runId}`;
}

/** The shell lines of the run's start command (exported for tests and for the README). */
export function startCommands(options: { runId: string; planUrl: string; agentCommand: string; remoteDir: string; bootWait?: BootWait }): string[] {
  const { planFile, partFile, logFile } = remotePaths(options.remoteDir, options.runId);
  const unit = shellQuote(agentUnitName(options.runId));
  const agent = `{ ${options.agentCommand} ${shellQuote(planFile)}; } > ${shellQuote(logFile)} 2>&1 < /dev/null`;
  return [
    'set -eu',
    'umask 077',
    ...(options.bootWait ? bootWaitCommands(options.bootWait) : []),
    `mkdir -p ${shellQuote(options.remoteDir)}`,
    `chmod 700 ${shellQuote(options.remoteDir)}`,
    `curl -fsS --retry 3 --max-time 60 -o ${shellQuote(partFile)} ${shellQuote(options.planUrl)}`,
    `chmod 600 ${shellQuote(partFile)}`,
    `mv -f ${shellQuote(partFile)} ${shellQuote(planFile)}`,
    `systemd-run --unit=${unit} --collect --quiet --property=UMask=0077 /bin/sh -c ${shellQuote(agent)}`,
    `sleep ${AGENT_SETTLE_SECONDS}`,
    `if ! systemctl is-active --quiet ${unit}; then echo ${shellQuote(`${AGENT_EXITED_PREFIX} run ${options.runId}; its log:`)}; tail -c ${START_LOG_TAIL_BYTES} ${shellQuote(logFile)} 2>/dev/null || true; exit 4; fi`,
    `echo ${shellQuote(`faas-benchmarker agent started: run ${options.runId} pid`)} "$(systemctl show --property=MainPID --value ${unit})"`,
  ];
}

/** Waits for the boot script's ready or failed marker; on failure (or none in time) prints why and exits 3. */
function bootWaitCommands({ readyFile, failedFile, timeoutSeconds }: BootWait): string[] {
  const ready = shellQuote(readyFile);
  const failed = shellQuote(failedFile);
  const rounds = Math.max(1, Math.ceil(timeoutSeconds));
  return [
    `i=0; while [ ! -f ${ready} ] && [ ! -f ${failed} ] && [ $i -lt ${rounds} ]; do i=$((i+1)); sleep 1; done`,
    `if [ -f ${failed} ]; then echo ${shellQuote(BOOT_FAILED_PREFIX)} "$(head -c 500 ${failed} | tr '\n' ' ')"; exit 3; fi`,
    `if [ ! -f ${ready} ]; then echo ${shellQuote(`${BOOT_FAILED_PREFIX} the boot script had not finished after ${rounds} s`)}; exit 3; fi`,
  ];
}

/** How much of the agent's log (its end) the teardown script prints. */
export const AGENT_LOG_TAIL_BYTES = 1_000_000;

/** The shell lines that stop the run's agent (its unit, else its process), print its log and remove its plan; safe to run again. */
export function teardownCommands(options: { runId: string; remoteDir: string }): string[] {
  const { planFile, partFile, planName, logFile } = remotePaths(options.remoteDir, options.runId);
  // The agent's command line ends with the plan's path (`sh -c '… plan.json'` and `node bin/agent.js
  // …plan.json`); anchored there, with its dots escaped, the regex matches no shell that merely
  // mentions the plan (this script's own `rm`, or a `pkill` quoting the pattern).
  const pattern = `${planName.replace(/[.[\]\\^$*+?(){}|]/g, '\\$&')}'?$`;
  return [
    `systemctl stop ${shellQuote(agentUnitName(options.runId))} 2>/dev/null || true`,
    `pkill -TERM -f ${shellQuote(pattern)} || true`,
    `echo ${shellQuote(`faas-benchmarker agent log: run ${options.runId}`)}`,
    `tail -c ${AGENT_LOG_TAIL_BYTES} ${shellQuote(logFile)} 2>/dev/null || true`,
    `rm -f ${shellQuote(planFile)} ${shellQuote(partFile)}`,
    `echo ${shellQuote(`faas-benchmarker agent stopped: run ${options.runId}`)}`,
  ];
}

function remotePaths(remoteDir: string, runId: string) {
  const planName = `fb-plan-${runId}.json`;
  const dir = remoteDir.replace(/\/+$/, '') || '/';
  return { planName, planFile: `${dir}/${planName}`, partFile: `${dir}/${planName}.part`, logFile: `${dir}/fb-agent-${runId}.log` };
}

/** The line the start script prints once the agent runs, with its pid. */
export function agentStartedPattern(runId: string): RegExp {
  return new RegExp(`faas-benchmarker agent started: run ${runId.replace(/[.[\]\\^$*+?(){}|]/g, '\\$&')} pid (\\d+)`);
}
