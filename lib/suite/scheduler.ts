/**
 * Runs jobs at most `parallel` at a time, in order, each to its own outcome: a job that throws
 * ends as `onError` says and never stops the others. Once `signal` aborts, no job starts; those
 * left end as `notStarted` says, while the running ones get the same signal and finish as they
 * will (their runner decides how to stop cleanly).
 */
export interface BoundedRunOptions<Job, Outcome> {
  jobs: readonly Job[];
  /** Most jobs running at once (≥ 1). */
  parallel: number;
  signal?: AbortSignal;
  run(job: Job, index: number, signal: AbortSignal): Promise<Outcome>;
  /** The outcome of a job whose `run` threw. */
  onError(job: Job, index: number, error: unknown): Outcome;
  /** The outcome of a job that never started because of the abort. */
  notStarted(job: Job, index: number): Outcome;
  onStart?(index: number): void;
  onFinish?(index: number, outcome: Outcome): void;
}

export class InvalidParallelismError extends Error {
  override name = 'InvalidParallelismError';
}

/** Every job's outcome, in the jobs' order. */
export async function runBounded<Job, Outcome>(options: BoundedRunOptions<Job, Outcome>): Promise<Outcome[]> {
  if (!Number.isInteger(options.parallel) || options.parallel < 1) throw new InvalidParallelismError(`parallel must be a positive integer, got ${options.parallel}`);
  const signal = options.signal ?? new AbortController().signal;
  const outcomes: Outcome[] = new Array(options.jobs.length);
  let next = 0;
  const worker = async () => {
    for (;;) {
      const index = next;
      const job = options.jobs[index];
      if (job === undefined || signal.aborted) return;
      next += 1;
      options.onStart?.(index);
      let outcome: Outcome;
      try {
        outcome = await options.run(job, index, signal);
      } catch (error) {
        outcome = options.onError(job, index, error);
      }
      outcomes[index] = outcome;
      options.onFinish?.(index, outcome);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.parallel, options.jobs.length) }, worker));
  for (const [index, job] of options.jobs.entries()) if (!(index in outcomes)) outcomes[index] = options.notStarted(job, index);
  return outcomes;
}
