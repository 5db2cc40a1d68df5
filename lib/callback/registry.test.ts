/** Tests of the in-memory callback registry: single-use claims (markUsed/release), replacement, copies. */
import { describe, expect, it } from 'vitest';
import { InMemoryCallbackRegistry, registerCallback } from './registry';
import { callbackSecretMatches } from './secrets';
import { localCallbackSigningKey } from './signing-key';

const expiresAt = new Date('2026-11-28T10:00:00.000Z');

describe('Class: InMemoryCallbackRegistry', () => {
  it('finds what was registered, unused, and nothing for another run', async () => {
    // Prepare
    const registry = new InMemoryCallbackRegistry();

    // Act
    await registry.register({ runId: 'r1', secretHash: 'h', taskToken: 't', expiresAt });

    // Assess
    expect(await registry.find('r1')).toEqual({ runId: 'r1', secretHash: 'h', taskToken: 't', expiresAt, used: false });
    expect(await registry.find('r2')).toBeUndefined();
  });

  it('lets markUsed succeed once, and again after release', async () => {
    // Prepare
    const registry = new InMemoryCallbackRegistry();
    await registry.register({ runId: 'r1', secretHash: 'h', taskToken: 't', expiresAt });

    // Act & Assess
    expect(await registry.markUsed('r1')).toBe(true);
    expect(await registry.markUsed('r1')).toBe(false);
    expect((await registry.find('r1'))?.used).toBe(true);
    await registry.release('r1');
    expect(await registry.markUsed('r1')).toBe(true);
  });

  it('gives exactly one of many concurrent markUsed calls the claim', async () => {
    const registry = new InMemoryCallbackRegistry();
    await registry.register({ runId: 'r1', secretHash: 'h', taskToken: 't', expiresAt });
    const claims = await Promise.all(Array.from({ length: 10 }, () => registry.markUsed('r1')));
    expect(claims.filter(Boolean)).toHaveLength(1);
  });

  it('refuses markUsed for an unknown run', async () => {
    expect(await new InMemoryCallbackRegistry().markUsed('nope')).toBe(false);
  });

  it('replaces an entry registered again (a new task token and secret), unused', async () => {
    const registry = new InMemoryCallbackRegistry();
    await registry.register({ runId: 'r1', secretHash: 'h1', taskToken: 't1', expiresAt });
    await registry.markUsed('r1');
    await registry.register({ runId: 'r1', secretHash: 'h2', taskToken: 't2', expiresAt });
    expect(await registry.find('r1')).toMatchObject({ secretHash: 'h2', taskToken: 't2', used: false });
    expect(registry.size).toBe(1);
  });

  it('hands out copies: changing a found entry changes nothing stored', async () => {
    const registry = new InMemoryCallbackRegistry();
    await registry.register({ runId: 'r1', secretHash: 'h', taskToken: 't', expiresAt });
    const found = await registry.find('r1');
    if (!found) throw new Error('not found');
    found.used = true;
    found.expiresAt.setTime(0);
    expect(await registry.find('r1')).toMatchObject({ used: false, expiresAt });
  });
});

describe('Function: registerCallback', () => {
  it('stores the hash of the returned secret with the token, never the secret', async () => {
    // Prepare
    const registry = new InMemoryCallbackRegistry();

    // Act
    const { secret } = await registerCallback(registry, localCallbackSigningKey(), { runId: 'r1', taskToken: 'token-1', expiresAt });

    // Assess
    const entry = await registry.find('r1');
    expect(entry).toMatchObject({ runId: 'r1', taskToken: 'token-1', expiresAt, used: false });
    expect(callbackSecretMatches(secret, entry?.secretHash ?? '')).toBe(true);
    expect(JSON.stringify(entry)).not.toContain(secret);
  });
});
