import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { AgentPlan } from '../../lib/agent/plan';
import { localAgentLogFile } from '../../lib/agent-logs/names';
import type { BranchInput, ClientDriver, ReadinessCheck, RemovalCheck } from '../../lib/platforms/platform';

/** The agent's entry, run with the same Node as this process. */
const AGENT_ENTRY = join(__dirname, '..', '..', 'bin', 'agent.js');

/**
 * ProvisionClient and RunAgent for platform `local`: the client is this machine, and the agent is
 * a child process given its plan in a file (as SSM or Run Command would hand it a file). Teardown
 * kills an agent that is still running. Its output goes to `onOutput` line by line, and to its log
 * file ({@link localAgentLogFile}, mode 0600), each line timestamped and marked `stdout` or
 * `stderr`; the plan is removed at teardown, the log stays. The run's callback secret, should the
 * agent ever print it, is written as `***`.
 */
export class LocalAgentDriver implements ClientDriver {
  private readonly agents = new Map<string, ChildProcess>();
  /** Each agent's log file, closed once the agent's output has ended. */
  private readonly logsClosed = new Map<string, Promise<void>>();

  constructor(private readonly options: { planDir: string; onOutput?: (runId: string, line: string) => void; agentEntry?: string }) {}

  async provision(): Promise<Record<string, unknown>> {
    return { kind: 'local-process', ready: false };
  }

  /** This machine is always ready. */
  async check(): Promise<ReadinessCheck> {
    return { kind: 'local-process', ready: true };
  }

  async startAgent(plan: AgentPlan): Promise<void> {
    const planFile = this.planFile(plan.runId);
    mkdirSync(dirname(planFile), { recursive: true });
    mkdirSync(dirname(plan.resultsLocation), { recursive: true });
    // The plan holds the callback secret: readable by this user only.
    writeFileSync(planFile, JSON.stringify(plan), { mode: 0o600 });
    // An IPC channel as a lifeline: when this process dies (SIGKILL, a second Ctrl-C) the channel
    // closes and the agent stops itself (client-agent/main.ts), so no agent outlives its `fb`.
    const child = spawn(process.execPath, [this.options.agentEntry ?? AGENT_ENTRY, planFile], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], env: { PATH: process.env.PATH ?? '' } });
    // The lifeline does not keep this process alive by itself.
    child.channel?.unref();
    this.agents.set(plan.runId, child);
    const log = createWriteStream(localAgentLogFile(this.options.planDir, plan.runId), { flags: 'a', mode: 0o600 });
    // A log that cannot be written must not break the run: the lines still reach onOutput.
    log.on('error', () => undefined);
    let logOpen = true;
    const secret = plan.callback.secret;
    const record = (stream: string, line: string) => {
      const safe = secret ? line.replaceAll(secret, '***') : line;
      if (logOpen) log.write(`${new Date().toISOString()} ${stream} ${safe}\n`);
      if (stream !== 'fb') this.options.onOutput?.(plan.runId, safe);
    };
    const finish = (last: string, resolve: () => void) => {
      if (!logOpen) return resolve();
      record('fb', last);
      logOpen = false;
      log.end(resolve);
    };
    record('fb', `agent started: pid ${child.pid ?? 'unknown'}`);
    for (const [name, stream] of [['stdout', child.stdout], ['stderr', child.stderr]] as const) {
      let pending = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        pending += chunk;
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) if (line) record(name, line);
      });
      stream?.on('end', () => {
        if (pending) record(name, pending);
        pending = '';
      });
    }
    child.once('exit', () => this.agents.delete(plan.runId));
    // 'close' comes after both output streams ended: nothing more will be written.
    this.logsClosed.set(
      plan.runId,
      new Promise<void>((resolve) => {
        child.once('close', (code, signal) => finish(`agent exited: ${signal ? `signal ${signal}` : `code ${code}`}`, resolve));
        child.once('error', (error) => finish(`agent could not start: ${error.message}`, resolve));
      }),
    );
  }

  async teardown(input: BranchInput): Promise<void> {
    // The plan holds the run's callback secret; it is no use once the run is over.
    rmSync(this.planFile(input.run.runId), { force: true });
    const child = this.agents.get(input.run.runId);
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await once(child, 'exit');
      clearTimeout(timer);
    }
    // The log holds every line once the agent is gone.
    const closed = this.logsClosed.get(input.run.runId);
    if (closed) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([closed, new Promise<void>((resolve) => { timer = setTimeout(resolve, LOG_FLUSH_WAIT_MS); })]);
      clearTimeout(timer);
      this.logsClosed.delete(input.run.runId);
    }
  }

  /** Teardown kills the agent and removes its plan before it answers: gone when neither is left. */
  async removal(input: BranchInput): Promise<RemovalCheck> {
    const child = this.agents.get(input.run.runId);
    const left = [...(child && child.exitCode === null && child.signalCode === null ? [`agent pid ${child.pid}`] : []), ...(existsSync(this.planFile(input.run.runId)) ? ['plan file'] : [])];
    return left.length ? { gone: false, failed: true, state: 'left', reason: `still there: ${left.join(', ')}` } : { gone: true, state: 'removed' };
  }

  private planFile(runId: string): string {
    return join(this.options.planDir, `${runId}.plan.json`);
  }

  /** Pids of agents still running (for tests and shutdown). */
  runningPids(): number[] {
    return [...this.agents.values()].map((child) => child.pid).filter((pid): pid is number => pid !== undefined);
  }
}

/** How long teardown waits for a stopped agent's last output to reach its log. */
const LOG_FLUSH_WAIT_MS = 5000;
