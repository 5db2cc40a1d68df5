/**
 * Per-run callback secrets.
 *
 * The client agent never sees AWS credentials or the Step Functions task token. Instead, when a
 * run's RunAgent task starts, the control plane makes a secret, hands it to the agent once (with
 * the callback URL), and stores only its SHA-256 hash beside the task token. A leaked registry
 * therefore cannot be used to complete a task, and checking a presented secret compares two
 * fixed-length digests in constant time.
 *
 * A secret is self-authenticating: `<random>.<tag>`, where `random` is 32 random bytes and `tag`
 * the first {@link CALLBACK_TAG_BYTES} bytes of HMAC-SHA256(signing key, `<runId>.<random>`), both
 * base64url. The signing key is the deployment's (./signing-key.ts), known only to the issuer and
 * the callback endpoint, so a forged secret (right form, wrong tag) or a genuine secret presented
 * for another run is refused by {@link callbackSecretIsAuthentic} before any registry query. The
 * registry's hash, single use and expiry are still checked afterwards: the tag only proves the
 * control plane made the secret for that run id, not that the run is still waiting.
 */
import { createHash, createHmac, type KeyObject, randomBytes, timingSafeEqual } from 'node:crypto';

/** Bytes of randomness in a secret (256 bits). */
export const CALLBACK_SECRET_BYTES = 32;
/** Bytes of the HMAC-SHA256 kept as the secret's tag (128 bits: forging one is 2^-128 per guess). */
export const CALLBACK_TAG_BYTES = 16;

export interface CallbackSecret {
  /** Given to the agent once; never stored or logged. `<random>.<tag>`, base64url, 66 characters. */
  secret: string;
  /** What the registry stores: {@link hashCallbackSecret} of `secret`. */
  secretHash: string;
}

/** The form every secret has: 43 base64url characters (32 bytes), a dot, 22 (16 bytes). */
const WELL_FORMED_SECRET = /^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{22}$/;

/**
 * Whether `secret` has the form of one this module makes (no key needed). Checked first, so a
 * malformed secret costs a regular expression and nothing else.
 */
export function isWellFormedCallbackSecret(secret: string): boolean {
  return WELL_FORMED_SECRET.test(secret);
}

/** A new secret for run `runId`, tagged with `signingKey`, and its hash. */
export function createCallbackSecret(signingKey: KeyObject, runId: string): CallbackSecret {
  const random = randomBytes(CALLBACK_SECRET_BYTES).toString('base64url');
  const secret = `${random}.${callbackTag(signingKey, runId, random)}`;
  return { secret, secretHash: hashCallbackSecret(secret) };
}

/**
 * Whether `secret` is well formed and its tag is the one `signingKey` gives run `runId`: the
 * pre-check of the callback endpoint, made before any registry query. The tags are compared in
 * constant time (as strings, so no other spelling of the same bytes passes).
 */
export function callbackSecretIsAuthentic(signingKey: KeyObject, runId: string, secret: string): boolean {
  if (!isWellFormedCallbackSecret(secret)) return false;
  const [random = '', tag = ''] = secret.split('.');
  const expected = Buffer.from(callbackTag(signingKey, runId, random), 'utf8');
  const presented = Buffer.from(tag, 'utf8');
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}

/** The tag of `random` for `runId`: HMAC-SHA256 over `<runId>.<random>`, truncated, base64url. */
function callbackTag(signingKey: KeyObject, runId: string, random: string): string {
  return createHmac('sha256', signingKey).update(`${runId}.${random}`, 'utf8').digest().subarray(0, CALLBACK_TAG_BYTES).toString('base64url');
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
