/**
 * `fb run`'s progress on the local control plane, on stderr: on a terminal one line per
 * platform's run redrawn in place (phase, a bar of the time spent against the time expected, elapsed, calls, ETA) under the
 * permanent lines — each phase change and each line the agent prints; elsewhere those permanent
 * lines and plain progress lines (one per platform) every `plainIntervalMs`, never an escape code.
 *
 * It wires three things the run already has: the status changes the step code records
 * (lib/results/status-reporting-store.ts), the calls in the agent's results file as it is written
 * (lib/agent/results-tail.ts), and the display of `fb run --all` (lib/suite/progress-display.ts)
 * with one view per run (lib/suite/run-progress.ts).
 */
import { ResultsTail } from '../../lib/agent/results-tail';
import { formatElapsed } from '../../lib/report/table';
import { reportingStatusChanges } from '../../lib/results/status-reporting-store';
import type { ResultsStore } from '../../lib/results/store';
import type { ExpectedRun } from '../../lib/suite/expected-run';
import { type DisplayStream, ProgressDisplay, type ProgressView } from '../../lib/suite/progress-display';
import { RunProgress, runProgressView } from '../../lib/suite/run-progress';
import { localResultsFile } from '../../local/control-plane/run-local';
import { runLabel } from './run-platforms';

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

/** What one platform's run of the execution is expected to take (lib/suite/expected-run.ts). */
export interface PlatformExpectation {
  platform: string;
  expected: ExpectedRun;
}

/**
 * Run `work` (one local control-plane execution) with its progress shown on `io.stream`: one line
 * (a bar on a terminal) per platform's run, each named `<experiment> on <platform>` when there are
 * several; phase changes and agent lines above them.
 */
export async function withRunProgress<T>(
  run: { experiment: string; platforms: readonly PlatformExpectation[]; store: ResultsStore; workDir: string },
  io: RunProgressIo,
  work: (hooks: ProgressHooks) => Promise<T>,
): Promise<T> {
  const several = run.platforms.length > 1;
  const progressOf = new Map(
    run.platforms.map(({ platform, expected }) => [
      platform,
      new RunProgress(
        { experiment: runLabel(run.experiment, platform, several), expectedMs: expected.expectedMs, expectedCalls: expected.expectedCalls, lowerBound: expected.lowerBound },
        io.now,
      ),
    ]),
  );
  const progresses = [...progressOf.values()];
  const display = new ProgressDisplay({
    stream: io.stream,
    view: severalRunsView(progresses),
    redrawIntervalMs: io.redrawIntervalMs ?? 500,
    plainIntervalMs: io.plainIntervalMs ?? 10_000,
  });
  // Each run, once created: its platform's progress and the agent's results file it counts calls from.
  const runs = new Map<string, { platform: string; progress: RunProgress; tail: ResultsTail }>();
  const countCalls = async () => {
    for (const { progress, tail } of runs.values()) progress.setCalls(await tail.read());
  };
  const store = reportingStatusChanges(run.store, ({ runId, status, reason, platform }) => {
    let known = runs.get(runId);
    const progress = platform === undefined ? undefined : progressOf.get(platform);
    if (!known && progress && platform !== undefined) {
      known = { platform, progress, tail: new ResultsTail(localResultsFile(run.workDir, runId)) };
      runs.set(runId, known);
    }
    if (!known) return;
    known.progress.setPhase(status);
    const { experiment, elapsedMs } = known.progress.snapshot();
    display.event(`${experiment}: ${status} after ${formatElapsed(elapsedMs)}${reason ? ` — ${reason}` : ''}`);
  });
  const poll = setInterval(() => void countCalls().catch(() => undefined), io.callsPollMs ?? 1_000);
  poll.unref();
  display.start();
  try {
    const onAgentOutput = (runId: string, line: string) => {
      const platform = several ? runs.get(runId)?.platform : undefined;
      display.event(`  [${runId.slice(0, 8)}${platform ? ` ${platform}` : ''}] ${line}`);
    };
    return await work({ store, onAgentOutput });
  } finally {
    clearInterval(poll);
    await countCalls().catch(() => undefined);
    display.stop();
  }
}

/** One run's view, or several runs' lines one under the other (the plain rendering too). */
function severalRunsView(progresses: readonly RunProgress[]): ProgressView {
  const views = progresses.map(runProgressView);
  if (views.length === 1 && views[0]) return views[0];
  return {
    lines: (columns) => views.flatMap((view) => view.lines(columns)),
    line: () => views.map((view) => view.line()).join('\n'),
  };
}
