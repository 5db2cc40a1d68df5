/**
 * Numbers as the report prints them: milliseconds to a sensible precision, quantiles with their
 * distribution-free intervals, proportions with theirs. Pure.
 */
import type { ProportionCi } from '../stats/proportion-ci';
import type { QuantileEstimate } from '../stats/run-stats';

/** 0.123, 4.56, 45.6, 456, 4560: three significant digits, whole numbers from 100 up. */
export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  const size = Math.abs(value);
  if (size >= 100 || Number.isInteger(value)) return String(Math.round(value));
  if (size >= 10) return value.toFixed(1);
  if (size >= 1) return value.toFixed(2);
  return value.toPrecision(3);
}

/** `5.21 ms [5.01, 5.40]`, or the value with the sample size an interval would need. */
export function formatQuantile(estimate: QuantileEstimate): string {
  if (estimate.value_ms === null) return '–';
  const value = `${formatNumber(estimate.value_ms)} ms`;
  if (estimate.ci) return `${value} [${formatNumber(estimate.ci.lower_ms)}, ${formatNumber(estimate.ci.upper_ms)}]`;
  const needs = estimate.ci_note?.match(/needs n ≥ \d+/)?.[0];
  return `${value} (no CI: ${needs ?? estimate.ci_note ?? 'too few'})`;
}

/** `9/34 = 26.5 % [12.9, 44.4] %`. */
export function formatProportion(ci: ProportionCi | null): string {
  if (!ci) return '–';
  const percent = (fraction: number) => (Math.round(fraction * 1000) / 10).toFixed(1);
  return `${ci.k}/${ci.n} = ${percent(ci.rate)} % [${percent(ci.lower)}, ${percent(ci.upper)}] %`;
}

/** Any stored value as one cell: strings as they are, the rest as compact JSON. */
export function formatValue(value: unknown): string {
  if (value === undefined || value === null) return '–';
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return JSON.stringify(value);
}

/** `2026-12-05 14:03:07` from an ISO time (UTC). */
export function formatTime(iso: string | null | undefined): string {
  return iso ? iso.slice(0, 19).replace('T', ' ') : '–';
}
