/** Pure statistics helpers for experiments and reports. No I/O. */

/**
 * Mean of the values left after dropping the lowest and highest `trimFraction` of them (the
 * original's "drop the fastest 20 % and the slowest 20 %"). NaN for an empty list.
 */
export function trimmedMean(values: readonly number[], trimFraction = 0.2): number {
  if (!(trimFraction >= 0 && trimFraction < 0.5)) throw new RangeError(`trimFraction must be in [0, 0.5), got ${trimFraction}`);
  const sorted = [...values].sort((a, b) => a - b);
  const drop = Math.floor(sorted.length * trimFraction);
  const kept = sorted.slice(drop, sorted.length - drop);
  return mean(kept);
}

/** Arithmetic mean; NaN for an empty list. */
export function mean(values: readonly number[]): number {
  if (!values.length) return Number.NaN;
  let total = 0;
  for (const value of values) total += value;
  return total / values.length;
}

/**
 * The `p` quantile (0–1) by linear interpolation between closest ranks — the same definition as
 * PostgreSQL's `percentile_cont`, so the CLI and SQL agree. NaN for an empty list.
 */
export function percentileCont(values: readonly number[], p: number): number {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`p must be in [0, 1], got ${p}`);
  if (!values.length) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = p * (sorted.length - 1);
  const lower = Math.floor(rank);
  const upper = Math.ceil(rank);
  const low = sorted[lower] as number;
  return low + ((sorted[upper] as number) - low) * (rank - lower);
}
