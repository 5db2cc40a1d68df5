/**
 * Per-run callback secrets.
 *
 * The client agent never sees AWS credentials or the Step Functions task token. Instead, when a
 * run's RunAgent task starts, the control plane makes a random secret, hands it to the agent once
 * (with the callback URL), and stores only its SHA-256 hash beside the task token. A leaked
 * registry therefore cannot be used to complete a task, and checking a presented secret compares
 * two fixed-length digests in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Bytes of randomness in a secret (256 bits). */
export const CALLBACK_SECRET_BYTES = 32;

export interface CallbackSecret {
  /** Given to the agent once; never stored or logged. base64url, 43 characters. */
  secret: string;
  /** What the registry stores: {@link hashCallbackSecret} of `secret`. */
  secretHash: string;
}

/** The form every secret has (base64url of {@link CALLBACK_SECRET_BYTES} bytes, unpadded). */
const WELL_FORMED_SECRET = /^[A-Za-z0-9_-]{43}$/;

/**
 * Whether `secret` could be one this module made: checked before any lookup, so a request with
 * a malformed secret is refused without a database query (one that would also wake an Aurora
 * cluster scaled to zero).
 */
export function isWellFormedCallbackSecret(secret: string): boolean {
  return WELL_FORMED_SECRET.test(secret);
}

/** A new random secret and its hash. */
export function createCallbackSecret(): CallbackSecret {
  const secret = randomBytes(CALLBACK_SECRET_BYTES).toString('base64url');
  return { secret, secretHash: hashCallbackSecret(secret) };
}

/** SHA-256 of the secret's UTF-8 bytes, base64url (43 characters). */
export function hashCallbackSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('base64url');
}

/**
 * Whether `secret` is the one `secretHash` was made from. The comparison of the digests takes the
 * same time wherever they differ; a malformed stored hash never matches.
 */
export function callbackSecretMatches(secret: string, secretHash: string): boolean {
  const presented = createHash('sha256').update(secret, 'utf8').digest();
  const stored = Buffer.from(secretHash, 'base64url');
  if (stored.length !== presented.length) return false;
  return timingSafeEqual(presented, stored);
}
