import { MAX_TIMER_DURATION_MS } from '../../lib/platforms/local/settings-schema';

/**
 * Durations on the command line: a number with a unit (`500ms`, `10s`, `10m`, `2h`); fractions
 * are allowed (`1.5s`). A bare number is refused (is `5` five seconds or five milliseconds?),
 * except `0`. In JSON (a run's `platformOptions`) a duration is a number of milliseconds under a
 * name that says so (`idleTimeoutMs`). Either way it must fit Node's timers
 * ({@link MAX_TIMER_DURATION_MS}, about 24.8 days): a longer one would fire at once.
 */
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export class InvalidDurationError extends Error {
  override name = 'InvalidDurationError';
}

export function parseDurationMs(text: string | number): number {
  if (typeof text === 'number') {
    if (!Number.isFinite(text) || text < 0) throw new InvalidDurationError(`invalid duration ${text}: must be a non-negative number of ms`);
    return withinTimerLimit(text, `${text} ms`);
  }
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(text);
  if (!match) throw new InvalidDurationError(`invalid duration "${text}": use a number with ms, s, m or h (e.g. 10m)`);
  const [, amount, unit] = match;
  if (unit === undefined && Number(amount) !== 0) throw new InvalidDurationError(`duration "${text.trim()}" has no unit: write ${amount}ms or ${amount}s`);
  return withinTimerLimit(Number(amount) * (UNIT_MS[unit ?? 'ms'] ?? 1), `"${text.trim()}"`);
}

function withinTimerLimit(ms: number, shown: string): number {
  if (ms > MAX_TIMER_DURATION_MS) throw new InvalidDurationError(`duration ${shown} is longer than the ${MAX_TIMER_DURATION_MS} ms (about 24.8 days) a timer can wait`);
  return ms;
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
