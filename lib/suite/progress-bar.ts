/**
 * A text progress bar for the terminal displays (one run of `fb run`, a suite of `fb run --all`):
 * `[██████░░░░░░░░] 43%`. Pure; the caller decides when a terminal gets one (never a pipe).
 */

/** The bar for `fraction` (clamped to 0…1), `width` cells inside the brackets, and its percentage. */
export function progressBar(fraction: number, width: number): string {
  const clamped = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
  const cells = Math.max(1, Math.floor(width));
  const filled = Math.round(clamped * cells);
  return `[${'█'.repeat(filled)}${'░'.repeat(cells - filled)}] ${String(Math.floor(clamped * 100)).padStart(3)}%`;
}

/** How far along a job is by time: elapsed over elapsed plus what remains; undefined when the remainder is unknown. */
export function timeFraction(elapsedMs: number, remainingMs: number | undefined): number | undefined {
  if (remainingMs === undefined) return undefined;
  const total = elapsedMs + Math.max(0, remainingMs);
  return total <= 0 ? 0 : elapsedMs / total;
}
