import type { ColdTimeNeed } from '../experiment/define';
import type { ResultsStore } from '../results/store';
import type { RunRow } from '../results/types';

/** The experiments whose headline result is a function's idle timeout: where cold times come from. */
export const COLD_TIME_SOURCES: readonly string[] = ['coldstart-identifier', 'simple-cold-function', 'coldstart-identifier-nested', 'single-function-time-to-cold-start'];

/** The cold time a run uses, and where it came from: what its manifest records as `cold_time`. */
export interface ColdTimeChoice {
  /** In the run's own experiment seconds. */
  seconds: number;
  function: string;
  /** `run`: a stored result; `parameter`: the caller's `coldTimeSeconds`; `default`: the experiment's fallback. */
  source: 'run' | 'parameter' | 'default';
  /** With `source: 'run'`: which run, which experiment, when it ended, and its value in its own time. */
  fromRun?: { runId: string; experiment: string; endedAt: string | null; valueSeconds: number; timeScale: number };
  /** One line for the run's log. */
  description: string;
}

/** How many recent runs are searched for a source. */
const RUNS_SEARCHED = 500;

/**
 * The cold time for a run that waits one (lib/experiment/define.ts `coldTime`): the caller's
 * `coldTimeSeconds` if given; else the latest completed idle-timeout result for the same platform
 * and function — converted to this run's time scale (a quick run's 160 s at scale 0.01 is 1.6 real
 * seconds) and, on the local platform, only from a run with the same idle timeout in force (each
 * local run has its own platform) —; else the experiment's declared default.
 */
export async function chooseColdTime(
  store: Pick<ResultsStore, 'listRuns'>,
  need: ColdTimeNeed,
  run: Pick<RunRow, 'id' | 'platform' | 'manifest' | 'params'>,
  requestedSeconds: unknown,
): Promise<ColdTimeChoice> {
  const functionName = need.function;
  if (typeof requestedSeconds === 'number') {
    return { seconds: requestedSeconds, function: functionName, source: 'parameter', description: `cold time ${requestedSeconds} s, as given (coldTimeSeconds)` };
  }
  const timeScale = numberOr(run.manifest.time_scale, 1);
  const idleTimeoutMs = idleTimeoutOf(run);
  const candidates = (await store.listRuns({ limit: RUNS_SEARCHED })).filter(
    (candidate) =>
      candidate.id !== run.id &&
      candidate.status === 'completed' &&
      candidate.platform === run.platform &&
      COLD_TIME_SOURCES.includes(candidate.experiment) &&
      candidate.result?.metric === 'idle_timeout' &&
      typeof candidate.result.value === 'number' &&
      candidate.result.value > 0 &&
      (candidate.result.function ?? candidate.params.function) === functionName &&
      idleTimeoutOf(candidate) === idleTimeoutMs,
  );
  // listRuns is newest first.
  const source = candidates[0];
  if (source?.result && typeof source.result.value === 'number') {
    const sourceScale = numberOr(source.manifest.time_scale, 1);
    const seconds = roundSeconds((source.result.value * sourceScale) / timeScale);
    return {
      seconds,
      function: functionName,
      source: 'run',
      fromRun: { runId: source.id, experiment: source.experiment, endedAt: source.ended_at, valueSeconds: source.result.value, timeScale: sourceScale },
      description: `cold time ${seconds} s for ${functionName}, from ${source.experiment} run ${source.id.slice(0, 8)} (ended ${source.ended_at ?? '?'})`,
    };
  }
  return {
    seconds: need.defaultSeconds,
    function: functionName,
    source: 'default',
    description: `cold time ${need.defaultSeconds} s for ${functionName}: the experiment's default, as no completed ${COLD_TIME_SOURCES.join(' or ')} result fits this platform`,
  };
}

/** The idle timeout a local run's platform had (undefined elsewhere: a cloud platform is one platform). */
function idleTimeoutOf(run: Pick<RunRow, 'manifest'>): number | undefined {
  const settings = run.manifest.platform_settings as { idleTimeoutMs?: unknown } | undefined;
  return typeof settings?.idleTimeoutMs === 'number' ? settings.idleTimeoutMs : undefined;
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && value > 0 ? value : fallback;
}

function roundSeconds(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}
