/**
 * When a suite will be done: the jobs still running and those waiting, each with its expected
 * duration, laid out on `parallel` slots the way the scheduler will take them (the next waiting
 * job goes to the first slot to free up). A running job already past its expected duration counts
 * as ending now, so the estimate is a floor then. Unknown when any job's expected duration is.
 */
export interface RunningEstimate {
  /** How long the job is expected to take in all; undefined when unknown. */
  expectedMs: number | undefined;
  elapsedMs: number;
}

export function estimateRemainingMs(running: readonly RunningEstimate[], pendingExpectedMs: readonly (number | undefined)[], parallel: number): number | undefined {
  if (running.some((job) => job.expectedMs === undefined) || pendingExpectedMs.some((ms) => ms === undefined)) return undefined;
  const slots = running.map((job) => Math.max(0, (job.expectedMs ?? 0) - job.elapsedMs));
  while (slots.length < Math.max(1, parallel)) slots.push(0);
  for (const ms of pendingExpectedMs) {
    let first = 0;
    for (let slot = 1; slot < slots.length; slot++) if ((slots[slot] ?? 0) < (slots[first] ?? 0)) first = slot;
    slots[first] = (slots[first] ?? 0) + (ms ?? 0);
  }
  return Math.max(0, ...slots);
}
