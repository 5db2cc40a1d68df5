/**
 * When the agent tries a callback again. The endpoint answers 429 when a run (or everyone) sends
 * too fast, 502/503 when Step Functions or the registry is briefly unreachable, and a connection
 * can fail outright; none of these may lose the outcome of hours of work, and none may make the
 * agent hammer the endpoint. So each kind of call has a time budget, and within it the agent waits
 * an exponentially growing, fully jittered delay (AWS's "full jitter": a uniform draw from 0 to
 * min(cap, base × 2^attempt)), or what `Retry-After` asks when the answer gives it.
 *
 * The budgets fit the RunAgent task's heartbeat window (`HeartbeatSeconds` 600 in
 * state-machines/run-experiment.asl.json; the agent beats every 60 s): a heartbeat gives up
 * before the next one is due, and the final outcome is tried for 5 minutes after the last beat,
 * well inside the 10 the task waits.
 */

/** Statuses worth another try; any other refusal is final. */
export const RETRIABLE_STATUSES: ReadonlySet<number> = new Set([429, 502, 503]);

export interface RetryTiming {
  /** Longest time from the first attempt to the start of the last one, ms. */
  budgetMs: number;
  /** The first delay's ceiling, ms. */
  baseDelayMs: number;
  /** No delay is longer, ms. */
  capDelayMs: number;
}

export type CallbackCallKind = 'success' | 'failure' | 'heartbeat' | 'upload-url' | 'force-cold';

export const RETRY_TIMING: Readonly<Record<CallbackCallKind, RetryTiming>> = {
  success: { budgetMs: 300_000, baseDelayMs: 500, capDelayMs: 30_000 },
  failure: { budgetMs: 300_000, baseDelayMs: 500, capDelayMs: 30_000 },
  heartbeat: { budgetMs: 45_000, baseDelayMs: 500, capDelayMs: 15_000 },
  'upload-url': { budgetMs: 120_000, baseDelayMs: 500, capDelayMs: 30_000 },
  'force-cold': { budgetMs: 60_000, baseDelayMs: 500, capDelayMs: 15_000 },
};

/**
 * The wait before attempt `attempt + 1` (`attempt` ≥ 1 tries made), or undefined when the budget
 * does not allow another. `retryAfterSeconds` (the answer's header) replaces the drawn delay.
 */
export function nextDelayMs(timing: RetryTiming, attempt: number, elapsedMs: number, retryAfterSeconds: number | undefined, random: () => number = Math.random): number | undefined {
  const ceiling = Math.min(timing.capDelayMs, timing.baseDelayMs * 2 ** (attempt - 1));
  const delayMs = retryAfterSeconds !== undefined ? Math.min(timing.capDelayMs, retryAfterSeconds * 1000) : random() * ceiling;
  return elapsedMs + delayMs > timing.budgetMs ? undefined : delayMs;
}

/** `Retry-After` in seconds (only the delay-seconds form), or undefined. */
export function parseRetryAfter(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || !/^\d{1,6}$/.test(value.trim())) return undefined;
  return Number(value.trim());
}
