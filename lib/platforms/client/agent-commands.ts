/**
 * The shell scripts that start and stop the agent on a client machine, the same for every agent
 * driver (SSM Run Command on EC2, aws/ssm-agent-driver.ts; Azure Run Command on a VM,
 * azure/run-command-driver.ts).
 *
 * The plan holds the run's callback secret, and both clouds keep a command's text in their
 * history, so the plan never goes in a script: the start script downloads it from a short-lived
 * URL into a private directory (`umask 077`, file mode 0600), starts the agent detached under
 * `nohup` with the plan file as its argument, and prints a "faas-benchmarker agent started: run …
 * pid N" line (see {@link agentStartedPattern}). The teardown script kills the run's agent
 * (`pkill -f` on the anchored plan file name), prints the agent's log (its last
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

/** The shell lines of the run's start command (exported for tests and for the README). */
export function startCommands(options: { runId: string; planUrl: string; agentCommand: string; remoteDir: string }): string[] {
  const { planFile, partFile, logFile } = remotePaths(options.remoteDir, options.runId);
  const agent = `${options.agentCommand} ${shellQuote(planFile)}`;
  return [
    'set -eu',
    'umask 077',
    `mkdir -p ${shellQuote(options.remoteDir)}`,
    `chmod 700 ${shellQuote(options.remoteDir)}`,
    `curl -fsS --retry 3 --max-time 60 -o ${shellQuote(partFile)} ${shellQuote(options.planUrl)}`,
    `chmod 600 ${shellQuote(partFile)}`,
    `mv -f ${shellQuote(partFile)} ${shellQuote(planFile)}`,
    `nohup sh -c ${shellQuote(agent)} > ${shellQuote(logFile)} 2>&1 < /dev/null &`,
    `echo ${shellQuote(`faas-benchmarker agent started: run ${options.runId} pid`)} "$!"`,
  ];
}

/** How much of the agent's log (its end) the teardown script prints. */
export const AGENT_LOG_TAIL_BYTES = 1_000_000;

/** The shell lines that stop the run's agent, print its log and remove its plan; safe to run again. */
export function teardownCommands(options: { runId: string; remoteDir: string }): string[] {
  const { planFile, partFile, planName, logFile } = remotePaths(options.remoteDir, options.runId);
  // The agent's command line ends with the plan's path (`sh -c '… plan.json'` and `node bin/agent.js
  // …plan.json`); anchored there, with its dots escaped, the regex matches no shell that merely
  // mentions the plan (this script's own `rm`, or a `pkill` quoting the pattern).
  const pattern = `${planName.replace(/[.[\]\\^$*+?(){}|]/g, '\\$&')}'?$`;
  return [
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
