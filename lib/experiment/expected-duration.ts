/**
 * How long an experiment says a run takes (`quick.expectedDuration`, and optionally `expectedDuration`
 * for a full run): one or more amounts with a unit, e.g. `15s`, `2m30s`, `1h 30m`, `1.5h`, `500ms`.
 * `fb list` shows the text; `fb run --all` adds the amounts up for its ETA.
 */
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const WHOLE = /^\s*(?:\d+(?:\.\d+)?\s*(?:ms|s|m|h)\s*)+$/;
const PART = /(\d+(?:\.\d+)?)\s*(ms|s|m|h)/g;

/** Milliseconds of an expected-duration text; undefined when it is not one (e.g. `about a minute`). */
export function expectedDurationMs(text: string): number | undefined {
  if (!WHOLE.test(text)) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(PART)) total += Number(amount) * (UNIT_MS[unit ?? 's'] ?? 0);
  return total;
}
