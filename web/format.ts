/**
 * How the UI writes times, durations and numbers for people. Pure; the same on every page, and
 * mirrored by web/static/live.js for the running times it updates in the browser.
 */
import { formatElapsed } from '../lib/report/table';
import type { RunRow } from '../lib/results/types';

/** `2026-12-05 14:03:07` (UTC) from an ISO time; the ISO text itself goes in a title/datetime. */
export function formatTimeUtc(iso: string): string {
  return iso.replace('T', ' ').slice(0, 19);
}

/** `14:03:07` from an ISO time. */
export function formatClockUtc(iso: string): string {
  return iso.slice(11, 19);
}

/** How long a run has taken: until it ended, or until `nowMs` while it is active. */
export function runElapsedMs(run: Pick<RunRow, 'started_at' | 'ended_at'>, nowMs: number): number {
  const end = run.ended_at ? Date.parse(run.ended_at) : nowMs;
  return Math.max(0, end - Date.parse(run.started_at));
}

export function formatRunElapsed(run: Pick<RunRow, 'started_at' | 'ended_at'>, nowMs: number): string {
  return formatElapsed(runElapsedMs(run, nowMs));
}

/** A millisecond figure: two decimals below 100 ms, whole above; `–` when absent. */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  return ms >= 100 ? ms.toFixed(0) : ms.toFixed(2);
}

/** A fraction as a percentage with one decimal. */
export function formatPercent(fraction: number): string {
  return `${(fraction * 100).toFixed(1)} %`;
}

/** The first 8 characters of a run id, as the CLI shows them. */
export function shortRunId(id: string): string {
  return id.slice(0, 8);
}
