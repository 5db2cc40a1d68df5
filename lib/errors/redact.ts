/**
 * Keeping secrets out of messages and logs, one way everywhere.
 *
 * - {@link redact}: every occurrence of each known secret (an API key, a function key, a callback
 *   secret, a basic-auth password) becomes `[redacted]`. What the client agent applies to answers
 *   and errors it stores.
 * - {@link redactCredentials}: {@link redact}, and the credentials that travel inside URLs and
 *   connection strings without being known in advance: any URL's query string (a presigned S3 URL,
 *   an Azure SAS), bare `X-Amz-Signature`/`-Credential`/`-Security-Token` parameters, `sig=`, and a
 *   storage connection string's `AccountKey=`. What the control plane applies to every error
 *   message it builds from a cloud SDK's error.
 */
const REDACTED = '[redacted]';

/** `text` with every occurrence of every secret replaced by `[redacted]`. */
export function redact(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) if (secret && result.includes(secret)) result = result.split(secret).join(REDACTED);
  return result;
}

/** `text` with the secrets, every URL's query string and every signature, credential or account key blanked. */
export function redactCredentials(text: string, secrets: readonly string[] = []): string {
  return redact(text, secrets)
    .replace(/(\bhttps?:\/\/[^\s'"?]*)\?[^\s'"]*/gi, `$1?${REDACTED}`)
    .replace(/\?[^\s'"]*X-Amz-[^\s'"]*/gi, `?${REDACTED}`)
    .replace(/X-Amz-(Signature|Credential|Security-Token)=[^&\s'"]*/gi, `X-Amz-$1=${REDACTED}`)
    .replace(/(\bsig=)[^&'"\s]+/gi, `$1${REDACTED}`)
    .replace(/(AccountKey=)[^;'"\s]+/gi, `$1${REDACTED}`);
}
