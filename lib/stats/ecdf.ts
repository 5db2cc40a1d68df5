/**
 * Empirical CDFs as points to plot. Pure; no I/O.
 *
 * A point `{ x, p }` says that a fraction p of the values is ≤ x; the points are the corners of the
 * step function (drawn "step-after": flat from one x to the next, rising at each x). Each distinct
 * value gives one point, p = (how many values are ≤ it) / n, so the last point has p = 1.
 *
 * Downsampling rule, for plots of large runs: with more than `maxPoints` distinct values, keep the
 * first point (the minimum), the last (the maximum, p = 1), and for j = 1 … maxPoints − 2 the first
 * point whose p reaches j / (maxPoints − 1). Between two kept points the plotted curve is flat where
 * the full one rises by less than 1 / (maxPoints − 1), so the two never differ by more than that
 * anywhere (their Kolmogorov distance is at most 1 / (maxPoints − 1)); the tails keep their
 * extremes exactly.
 */

export interface EcdfPoint {
  /** A value of the sample. */
  x: number;
  /** The fraction of the sample that is ≤ x, in (0, 1]. */
  p: number;
}

/** The default number of points: enough for a smooth curve in a 1000-pixel-wide chart. */
export const DEFAULT_ECDF_MAX_POINTS = 512;

/** Every corner of the empirical CDF of `values` (any order; NaN refused), in increasing x. */
export function ecdfPoints(values: readonly number[]): EcdfPoint[] {
  if (values.some((value) => Number.isNaN(value))) throw new RangeError('ecdfPoints: the sample contains NaN');
  const sorted = [...values].sort((a, b) => a - b);
  const points: EcdfPoint[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const x = sorted[i] as number;
    // One point per distinct value, at its last occurrence.
    if (i + 1 < sorted.length && sorted[i + 1] === x) continue;
    points.push({ x, p: (i + 1) / sorted.length });
  }
  return points;
}

/** The empirical CDF of `values`, downsampled to at most `maxPoints` points by the rule above. */
export function ecdf(values: readonly number[], maxPoints = DEFAULT_ECDF_MAX_POINTS): EcdfPoint[] {
  if (!(Number.isInteger(maxPoints) && maxPoints >= 2)) throw new RangeError(`maxPoints must be an integer ≥ 2, got ${maxPoints}`);
  const all = ecdfPoints(values);
  if (all.length <= maxPoints) return all;
  const steps = maxPoints - 1;
  const first = all[0] as EcdfPoint;
  const kept: EcdfPoint[] = [first];
  let next = Math.floor(first.p * steps) + 1;
  for (let i = 1; i < all.length - 1; i++) {
    const point = all[i] as EcdfPoint;
    if (point.p * steps < next) continue;
    kept.push(point);
    // A jump may pass several levels at once: one point stands for all of them.
    next = Math.floor(point.p * steps) + 1;
  }
  kept.push(all[all.length - 1] as EcdfPoint);
  return kept;
}

/** The empirical CDF described by `points` at x: the p of the last point at or before x (0 before the first). */
export function ecdfAt(points: readonly EcdfPoint[], x: number): number {
  let p = 0;
  for (const point of points) {
    if (point.x > x) break;
    p = point.p;
  }
  return p;
}
