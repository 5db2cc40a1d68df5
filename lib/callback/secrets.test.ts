/** Tests of the per-run callback secret: its shape, its hash, and the constant-time match. */
import { describe, expect, it } from 'vitest';
import { CALLBACK_SECRET_BYTES, callbackSecretMatches, createCallbackSecret, hashCallbackSecret } from './secrets';

describe('Function: createCallbackSecret', () => {
  it('makes a 32-byte base64url secret and its SHA-256 hash', () => {
    // Act
    const { secret, secretHash } = createCallbackSecret();

    // Assess
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(secret, 'base64url')).toHaveLength(CALLBACK_SECRET_BYTES);
    expect(secretHash).toBe(hashCallbackSecret(secret));
    expect(secretHash).not.toContain(secret);
    expect(Buffer.from(secretHash, 'base64url')).toHaveLength(32);
  });

  it('never makes the same secret twice', () => {
    const secrets = new Set(Array.from({ length: 100 }, () => createCallbackSecret().secret));
    expect(secrets.size).toBe(100);
  });
});

describe('Function: callbackSecretMatches', () => {
  it('accepts the secret the hash was made from and nothing else', () => {
    // Prepare
    const { secret, secretHash } = createCallbackSecret();

    // Act & Assess
    expect(callbackSecretMatches(secret, secretHash)).toBe(true);
    expect(callbackSecretMatches(createCallbackSecret().secret, secretHash)).toBe(false);
    expect(callbackSecretMatches(`${secret}x`, secretHash)).toBe(false);
    expect(callbackSecretMatches('', secretHash)).toBe(false);
  });

  it('never matches a malformed stored hash', () => {
    const { secret } = createCallbackSecret();
    expect(callbackSecretMatches(secret, '')).toBe(false);
    expect(callbackSecretMatches(secret, 'short')).toBe(false);
    expect(callbackSecretMatches(secret, secret)).toBe(false);
  });
});
