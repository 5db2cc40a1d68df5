/**
 * `fb run`'s progress on the local control plane, on stderr: on a terminal one line redrawn in
 * place (phase, a bar of the time spent against the time expected, elapsed, calls, ETA) under the
 * permanent lines — each phase change and each line the agent prints; elsewhere those permanent
 * lines and a plain progress line every `plainIntervalMs`, never an escape code.
 *
 * It wires three things the run already has: the status changes the step code records
 * (lib/results/status-reporting-store.ts), the calls in the agent's results file as it is written
 * (lib/agent/results-tail.ts), and the display of `fb run --all` (lib/suite/progress-display.ts)
 * with one run's view (lib/suite/run-progress.ts).
 */
import { ResultsTail } from '../../lib/agent/results-tail';
import { formatElapsed } from '../../lib/report/table';
import { reportingStatusChanges } from '../../lib/results/status-reporting-store';
import type { ResultsStore } from '../../lib/results/store';
import type { ExpectedRun } from '../../lib/suite/expected-run';
import { type DisplayStream, ProgressDisplay } from '../../lib/suite/progress-display';
import { RunProgress, runProgressView } from '../../lib/suite/run-progress';
import { localResultsFile } from '../../local/control-plane/run-local';

export interface RunProgressIo {
  stream: DisplayStream;
  /** @default 500 ms */
  redrawIntervalMs?: number;
  /** @default 10 s */
  plainIntervalMs?: number;
  /** How often the agent's results file is read for its calls. @default 1 s */
  callsPollMs?: number;
  now?: () => number;
}

/** What the run gets from the progress: the store to record through, and where the agent's lines go. */
export interface ProgressHooks {
  store: ResultsStore;
  onAgentOutput: (runId: string, line: string) => void;
}

/** Run `work` (one local control-plane execution) with its progress shown on `io.stream`. */
export async function withRunProgress<T>(
  run: { experiment: string; expected: ExpectedRun; store: ResultsStore; workDir: string },
  io: RunProgressIo,
  work: (hooks: ProgressHooks) => Promise<T>,
): Promise<T> {
  const progress = new RunProgress(
    { experiment: run.experiment, expectedMs: run.expected.expectedMs, expectedCalls: run.expected.expectedCalls, lowerBound: run.expected.lowerBound },
    io.now,
  );
  const display = new ProgressDisplay({
    stream: io.stream,
    view: runProgressView(progress),
    redrawIntervalMs: io.redrawIntervalMs ?? 500,
    plainIntervalMs: io.plainIntervalMs ?? 10_000,
  });
  const tails = new Map<string, ResultsTail>();
  const countCalls = async () => {
    let calls = 0;
    for (const tail of tails.values()) calls += await tail.read();
    progress.setCalls(calls);
  };
  const store = reportingStatusChanges(run.store, ({ runId, status, reason }) => {
    if (!tails.has(runId)) tails.set(runId, new ResultsTail(localResultsFile(run.workDir, runId)));
    progress.setPhase(status);
    const elapsed = formatElapsed(progress.snapshot().elapsedMs);
    display.event(`${run.experiment}: ${status} after ${elapsed}${reason ? ` — ${reason}` : ''}`);
  });
  const poll = setInterval(() => void countCalls().catch(() => undefined), io.callsPollMs ?? 1_000);
  poll.unref();
  display.start();
  try {
    return await work({ store, onAgentOutput: (runId, line) => display.event(`  [${runId.slice(0, 8)}] ${line}`) });
  } finally {
    clearInterval(poll);
    await countCalls().catch(() => undefined);
    display.stop();
  }
}
