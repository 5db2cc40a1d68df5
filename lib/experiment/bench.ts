import type { AnyRecord, InvocationRecord } from '../../lab-functions/core/records';
import type { InvocationStatus } from '../results/types';
import type { ExperimentResult } from './result';

/**
 * The interface experiments program against: what `run(bench, params)` may do. The client agent's
 * Benchmarker implements it (client-agent/benchmarker), storing every answer as rows; tests may
 * pass their own. Experiments import only lib/, so this is all they know of the agent.
 */
export interface ExperimentBench {
  /** The run's id (as stored in every row). */
  readonly runId: string;
  /** Experiment time × timeScale = real time (1 for a full run; e.g. 0.01 for `--quick`). */
  readonly timeScale: number;
  /**
   * The functions' clock offset from the client's, estimated from every call so far (./clock.ts);
   * undefined before the first answered call. Correct every latency that crosses the two clocks
   * with it (`sendToStartLatency`) and store its error bound alongside.
   */
  readonly clockOffset: ClockOffset | undefined;
  /**
   * One request; resolves once the answer is read and its rows are queued for storage. Many may
   * be in flight at once: call it without awaiting to send on a schedule (./open-loop.ts).
   */
  invoke(functionName: string, payload?: unknown, options?: InvokeOptions): Promise<InvocationResult>;
  /**
   * `n` requests with the same payload, released together over warm connections. Results are in
   * request order; each is stored with the batch's id, `n` and its index.
   */
  invokeConcurrently(functionName: string, n: number, payload?: unknown, options?: InvokeOptions): Promise<InvocationResult[]>;
  /**
   * Make the next call of `functionName` a cold start without waiting for the platform to evict
   * its instances (local and OpenFaaS: scale to zero through the gateway). Throws
   * `ForceColdUnsupportedError` where the platform does not allow it. The next call's own `cold`
   * flag is checked: a warm one is counted as a mismatch (`forceColdMismatches`), never assumed cold.
   */
  forceCold(functionName: string): Promise<void>;
  /** Sleep `ms` of experiment time, i.e. `ms × timeScale` of real time; throws when the run is aborted. */
  sleep(ms: number): Promise<void>;
  /** Store an experiment-specific row in `experiment_rows` under `table` (snake_case). */
  record(table: string, row: Record<string, unknown>): void;
  /** A line in the run's log (strings as they are, anything else as JSON). */
  log(...parts: unknown[]): void;
  /**
   * The run's headline result (lib/experiment/result.ts), stored on the run and printed at its
   * end; a later call replaces an earlier one. Refuses an invalid result at once.
   */
  result(result: ExperimentResult): void;
  /**
   * Present only when the bench runs in virtual time (the dry run that estimates a run's cost,
   * lib/cost/prior/): open-loop schedules (./open-loop.ts) read and advance this clock instead of
   * the process's timers, so a schedule of hours is dry-run in milliseconds. Absent on a real bench.
   */
  readonly virtualClock?: VirtualClock;
}

/** A bench's virtual clock, on the same epoch-ms scale as `answer.sendAt`. */
export interface VirtualClock {
  /** Now, in epoch ms. */
  nowMs(): number;
  /** Move the clock on to `epochMs` (never back); rejects when the bench stopped. */
  advanceTo(epochMs: number): Promise<void>;
}

/** Per-call settings of `invoke` and `invokeConcurrently`. */
export interface InvokeOptions {
  /**
   * Longest the call may take, all attempts included, in real milliseconds (not scaled by
   * `timeScale`: it bounds the platform's answer). Past it the call ends, and is stored, as
   * status `timeout` (`ClientTimeout`). @default the invoker's (16 minutes)
   */
  timeoutMs?: number;
  /**
   * The caller does not wait for this answer before its next action (open-loop load sends on a
   * schedule). A real bench ignores it; a virtual-time bench then does not move its clock on to
   * the answer, as it does for a call the caller awaits.
   */
  detached?: boolean;
}

/**
 * How far the functions' clock is from the client's: `offsetMs` = function clock − client clock,
 * known to within ± `errorMs`, estimated in-band from the calls themselves (./clock.ts).
 */
export interface ClockOffset {
  offsetMs: number;
  /** Half the best sample's round trip minus the function's own time: the bound on the error. */
  errorMs: number;
  /** How many calls the estimate was chosen from. */
  samples: number;
}

/** What one request came back with, as an experiment sees it. */
export interface InvocationResult {
  status: InvocationStatus;
  httpStatus: number | null;
  /** The client's round trip (end − send) of the final attempt, in ms; null if nothing was sent. */
  latencyMs: number | null;
  /** The root record, when the answer had records. */
  root: InvocationRecord | undefined;
  /** Every record of the response tree (root first). */
  records: AnyRecord[];
  errorType: string | undefined;
  errorMessage: string | undefined;
  /** The raw timing of the answer. */
  answer: TimedAnswer;
}

/** One answer as the invoker timed it. Retries of connection failures are never inside the timing. */
export interface TimedAnswer {
  /** Tries made. */
  attempts: number;
  httpStatus: number | null;
  /** Epoch ms, sub-ms precision, of the final attempt. */
  sendAt: number | null;
  firstByteAt: number | null;
  endAt: number | null;
  bodyText: string | null;
  classified: ClassifiedAnswer;
}

/** What an answer means, as a platform's provider reads it. */
export interface ClassifiedAnswer {
  status: InvocationStatus;
  /** The parsed record map when the answer carried one (also for a 500 with an error record). */
  body?: unknown;
  errorType?: string;
  errorMessage?: string;
}
