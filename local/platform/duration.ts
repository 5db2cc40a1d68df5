/**
 * Durations on the command line and in options: a number with a unit (`500ms`, `10s`, `10m`,
 * `2h`), or a bare number of milliseconds. Fractions are allowed (`1.5s`).
 */
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export class InvalidDurationError extends Error {
  override name = 'InvalidDurationError';
}

export function parseDurationMs(text: string | number): number {
  if (typeof text === 'number') {
    if (!Number.isFinite(text) || text < 0) throw new InvalidDurationError(`invalid duration ${text}: must be a non-negative number of ms`);
    return text;
  }
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(text);
  if (!match) throw new InvalidDurationError(`invalid duration "${text}": use a number with ms, s, m or h (e.g. 10m)`);
  return Number(match[1]) * (UNIT_MS[match[2] ?? 'ms'] ?? 1);
}

/** A duration that may be negative (a clock behind, `-250ms`); otherwise as {@link parseDurationMs}. */
export function parseSignedDurationMs(text: string | number): number {
  if (typeof text === 'number') {
    if (!Number.isFinite(text)) throw new InvalidDurationError(`invalid duration ${text}`);
    return text;
  }
  const negative = /^\s*-/.test(text);
  const magnitude = parseDurationMs(text.replace(/^\s*[-+]/, ''));
  return negative ? -magnitude : magnitude;
}

/** A short human form of a duration, for logs: `750ms`, `12.5s`, `10m`, `2h`. */
export function formatDurationMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(1))}s`;
  if (ms < 3_600_000) return `${Number((ms / 60_000).toFixed(1))}m`;
  return `${Number((ms / 3_600_000).toFixed(2))}h`;
}
