/**
 * One experiment of `fb run --all` on this machine: a RunExperiment execution on the local control
 * plane (its own local platform, its own agent), as `fb run` makes one, with the agent's output
 * going only to its log file (`<runId>.agent.log` in the experiment's folder, written by the agent
 * driver, which `fb logs` reads) instead of the terminal, and its calls counted from its results
 * file as it writes them. The callback endpoint's complaints go to `callback.log` beside it.
 */
import { createWriteStream, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ResultsTail } from '../../lib/agent/results-tail';
import type { OpenFaasProvisionerOptions } from '../../lib/platforms/openfaas/provisioner';
import type { ResultsStore } from '../../lib/results/store';
import type { SuiteOutcome } from '../../lib/suite/outcome';
import { runLocalControlPlane } from '../../local/control-plane/run-local';

/** One experiment of a suite, with the parameters it runs with (none: its defaults or quick profile). */
export interface SuiteJob {
  experiment: string;
  params?: Record<string, unknown>;
}

export interface LocalSuiteRunnerOptions {
  store: ResultsStore;
  platform: 'local' | 'openfaas';
  quick: boolean;
  platformOptions: Record<string, unknown>;
  openfaas?: OpenFaasProvisionerOptions;
  /** The suite's folder: one folder per experiment with its plan, results file, `<runId>.agent.log` and `callback.log`. */
  suiteDir: string;
  /** Told the calls a run has made so far, about every `pollMs`. */
  onCalls?: (index: number, calls: number) => void;
  /** @default 1000 */
  pollMs?: number;
  /** Shorter readiness waits for tests. */
  readinessPollMs?: number;
}

/** The runner the suite's scheduler calls for each experiment. */
export function localSuiteRunner(options: LocalSuiteRunnerOptions): (job: SuiteJob, index: number, signal: AbortSignal) => Promise<SuiteOutcome> {
  return async (job, index, signal) => {
    const jobDir = join(options.suiteDir, `${String(index + 1).padStart(2, '0')}-${job.experiment}`);
    mkdirSync(jobDir, { recursive: true });
    const log = createWriteStream(join(jobDir, 'callback.log'), { flags: 'a', mode: 0o600 });
    const calls = new CallCounter(jobDir);
    const report = async () => options.onCalls?.(index, await calls.read());
    const poll = setInterval(() => void report().catch(() => undefined), options.pollMs ?? 1000);
    const startedAt = Date.now();
    try {
      const { execution, runs } = await runLocalControlPlane({
        input: { experiment: job.experiment, platforms: [options.platform], params: job.params ?? {}, quick: options.quick, platformOptions: options.platformOptions },
        openfaas: options.openfaas,
        store: options.store,
        workDir: jobDir,
        // The callback endpoint's complaints (an agent reporting after its run was aborted) belong
        // with the run, not across the live display.
        callbackLogger: {
          info: () => undefined,
          warn: (message, attributes) => log.write(`${JSON.stringify({ level: 'WARN', message, ...attributes })}\n`),
          error: (message, attributes) => log.write(`${JSON.stringify({ level: 'ERROR', message, ...attributes })}\n`),
        },
        signal,
        ...(options.readinessPollMs !== undefined ? { readinessPollMs: options.readinessPollMs } : {}),
      });
      clearInterval(poll);
      await report();
      const run = runs[0];
      const base = { experiment: job.experiment, durationMs: Date.now() - startedAt, calls: calls.value, ...(run ? { runId: run.id } : {}) };
      if (run?.status === 'completed' && execution.status === 'SUCCEEDED') return { ...base, status: 'completed', ...(run.result ? { result: run.result } : {}) };
      const executionFailure = execution.status === 'FAILED' ? [execution.error, execution.cause].filter(Boolean).join(': ') : '';
      return { ...base, status: 'failed', reason: run?.reason ?? (executionFailure || `run ${run?.status ?? 'not made'}`) };
    } finally {
      clearInterval(poll);
      await new Promise((resolve) => log.end(resolve));
    }
  };
}

/** The calls of the one run whose results file appears in `dir` (each suite experiment has its own folder). */
class CallCounter {
  private tail: ResultsTail | undefined;

  constructor(private readonly dir: string) {}

  get value(): number {
    return this.tail?.calls ?? 0;
  }

  async read(): Promise<number> {
    if (!this.tail) {
      const file = readdirSync(this.dir).find((name) => name.endsWith('.results.ndjson'));
      if (!file) return 0;
      this.tail = new ResultsTail(join(this.dir, file));
    }
    return this.tail.read();
  }
}
