/** Tests of the per-run callback secret: its shape and HMAC tag, its hash, and the constant-time match. */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  CALLBACK_SECRET_BYTES,
  CALLBACK_TAG_BYTES,
  callbackSecretIsAuthentic,
  callbackSecretMatches,
  createCallbackSecret,
  hashCallbackSecret,
  isWellFormedCallbackSecret,
} from './secrets';
import { callbackSigningKey } from './signing-key';

const key = callbackSigningKey(randomBytes(32));
const otherKey = callbackSigningKey(randomBytes(32));

describe('Function: createCallbackSecret', () => {
  it('makes `<32 random bytes>.<16-byte tag>` in base64url and its SHA-256 hash', () => {
    // Act
    const { secret, secretHash } = createCallbackSecret(key, 'run-1');

    // Assess
    const [random = '', tag = ''] = secret.split('.');
    expect(Buffer.from(random, 'base64url')).toHaveLength(CALLBACK_SECRET_BYTES);
    expect(Buffer.from(tag, 'base64url')).toHaveLength(CALLBACK_TAG_BYTES);
    expect(isWellFormedCallbackSecret(secret)).toBe(true);
    expect(secretHash).toBe(hashCallbackSecret(secret));
    expect(secretHash).not.toContain(random);
    expect(Buffer.from(secretHash, 'base64url')).toHaveLength(32);
  });

  it('never makes the same secret twice', () => {
    const secrets = new Set(Array.from({ length: 100 }, () => createCallbackSecret(key, 'run-1').secret));
    expect(secrets.size).toBe(100);
  });
});

describe('Function: callbackSecretIsAuthentic', () => {
  it('accepts a secret for the run and key it was made with', () => {
    const { secret } = createCallbackSecret(key, 'run-1');
    expect(callbackSecretIsAuthentic(key, 'run-1', secret)).toBe(true);
  });

  it('refuses it for another run, under another key, or with any character of its tag changed', () => {
    // Prepare
    const { secret } = createCallbackSecret(key, 'run-1');
    const [random = '', tag = ''] = secret.split('.');

    // Act & Assess
    expect(callbackSecretIsAuthentic(key, 'run-2', secret)).toBe(false);
    expect(callbackSecretIsAuthentic(otherKey, 'run-1', secret)).toBe(false);
    for (let i = 0; i < tag.length; i++) {
      const changed = `${tag.slice(0, i)}${tag[i] === 'A' ? 'B' : 'A'}${tag.slice(i + 1)}`;
      expect(callbackSecretIsAuthentic(key, 'run-1', `${random}.${changed}`)).toBe(false);
    }
    // Another random with the old tag: the tag covers the random part too.
    const other = createCallbackSecret(key, 'run-1').secret.split('.')[0];
    expect(callbackSecretIsAuthentic(key, 'run-1', `${other}.${tag}`)).toBe(false);
  });

  it('refuses malformed secrets, including the old untagged form', () => {
    const { secret } = createCallbackSecret(key, 'run-1');
    for (const junk of ['', 'x', secret.split('.')[0] ?? '', `${secret}x`, `${secret}.`, secret.replace('.', '_'), ` ${secret}`, randomBytes(32).toString('base64url')]) {
      expect(callbackSecretIsAuthentic(key, 'run-1', junk)).toBe(false);
    }
  });
});

describe('Function: callbackSecretMatches', () => {
  it('accepts the secret the hash was made from and nothing else', () => {
    // Prepare
    const { secret, secretHash } = createCallbackSecret(key, 'run-1');

    // Act & Assess
    expect(callbackSecretMatches(secret, secretHash)).toBe(true);
    expect(callbackSecretMatches(createCallbackSecret(key, 'run-1').secret, secretHash)).toBe(false);
    expect(callbackSecretMatches(`${secret}x`, secretHash)).toBe(false);
    expect(callbackSecretMatches('', secretHash)).toBe(false);
  });

  it('never matches a malformed stored hash', () => {
    const { secret } = createCallbackSecret(key, 'run-1');
    expect(callbackSecretMatches(secret, '')).toBe(false);
    expect(callbackSecretMatches(secret, 'short')).toBe(false);
    expect(callbackSecretMatches(secret, secret)).toBe(false);
  });
});
