/**
 * Proof Key for Code Exchange (RFC 7636, method S256) and the login state for the hosted-login
 * authorization-code flow: a random verifier the server keeps (in an HttpOnly cookie), its SHA-256
 * challenge sent with the login, and a random `state` that ties the callback to this login.
 */
import { createHash, randomBytes } from 'node:crypto';

export interface LoginChallenge {
  state: string;
  verifier: string;
  /** BASE64URL(SHA-256(verifier)). */
  challenge: string;
}

export function codeChallengeOf(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

export function newLoginChallenge(): LoginChallenge {
  const verifier = randomBytes(48).toString('base64url');
  return { state: randomBytes(24).toString('base64url'), verifier, challenge: codeChallengeOf(verifier) };
}
