/**
 * How an error reads inside another error's message, the same everywhere: `Name: message`, with
 * details a caller knows of (an HTTP status, an error code) in parentheses after the name:
 * `RestError (404 ResourceGroupNotFound): …`. Anything that is not an Error reads as `String(value)`.
 * Callers redact (./redact.ts) what they build from it before it leaves the process.
 */
export function describe(error: unknown, details: readonly (string | number | undefined)[] = []): string {
  if (!(error instanceof Error)) return String(error);
  const tag = details.filter((detail) => detail !== undefined && detail !== '').join(' ');
  return `${error.name}${tag ? ` (${tag})` : ''}: ${error.message}`;
}

/** The message of an error, `String(value)` of anything else. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The `name` of an error or error-like object (AWS SDK errors are named by their exception). */
export function errorNameOf(error: unknown): string | undefined {
  const name = typeof error === 'object' && error !== null ? (error as { name?: unknown }).name : undefined;
  return typeof name === 'string' ? name : undefined;
}

/** The string `code` of an error (`ECONNRESET`, an ARM error code), if it has one. */
export function errorCodeOf(error: unknown): string | undefined {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}
