/**
 * The callback endpoint's cheap refusals, before any registry query: a malformed or forged secret (401) and
 * too many requests for one run's secret or for the endpoint (429 with Retry-After), with the
 * registry counting its queries to prove none was made.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { T0, recordingLogger, registeredRun } from '../../test-support/callback';
import { handleCallback, type HandleCallbackOptions } from './handle-callback';
import type { CallbackRegistry } from './registry';
import { createCallbackSecret, isWellFormedCallbackSecret } from './secrets';
import { callbackSigningKey, localCallbackSigningKey } from './signing-key';
import { CallbackThrottle } from './throttle';
import type { TaskCompleter } from './task-completer';

/** A registry that counts the queries made through it. */
function counting(registry: CallbackRegistry): { registry: CallbackRegistry; queries: () => number } {
  let queries = 0;
  const counted: CallbackRegistry = {
    register: (entry) => registry.register(entry),
    find: (runId) => {
      queries += 1;
      return registry.find(runId);
    },
    markUsed: (runId) => {
      queries += 1;
      return registry.markUsed(runId);
    },
    release: (runId) => registry.release(runId),
    remove: (runId) => registry.remove(runId),
  };
  return { registry: counted, queries: () => queries };
}

const completer: TaskCompleter = { success: async () => {}, failure: async () => {}, heartbeat: async () => {} };

async function setUp(throttle?: CallbackThrottle) {
  const run = await registeredRun({});
  const { registry, queries } = counting(run.registry);
  const handling: HandleCallbackOptions = { registry, signingKey: run.signingKey, completer, logger: recordingLogger().logger, now: () => new Date(T0.getTime() + 60_000), throttle };
  const send = (secret: string, kind = 'heartbeat') => handleCallback({ body: JSON.stringify({ runId: run.runId, kind }), authorization: `Bearer ${secret}` }, handling);
  return { run, send, queries };
}

describe('the callback endpoint’s cheap refusals', () => {
  it('refuses a secret of the wrong form with 401 and no registry query', async () => {
    const { run, send, queries } = await setUp();
    for (const junk of ['x', `${run.secret}=`, run.secret.slice(1), `${run.secret.slice(0, 42)}+`, 'a'.repeat(512)]) {
      expect((await send(junk)).statusCode).toBe(401);
    }
    expect(queries()).toBe(0);
    expect((await send(run.secret)).statusCode).toBe(200);
    expect(queries()).toBe(1);
  });

  it('refuses a forged secret (right form, wrong tag) or one tagged for another run with 401 and no registry query', async () => {
    // Prepare
    const { run, send, queries } = await setUp();
    const [random = '', tag = ''] = run.secret.split('.');
    const forged = [
      `${random}.${tag.startsWith('A') ? 'B' : 'A'}${tag.slice(1)}`,
      `${createCallbackSecret(run.signingKey, run.runId).secret.split('.')[0]}.${tag}`,
      createCallbackSecret(run.signingKey, 'another-run').secret,
      createCallbackSecret(callbackSigningKey(randomBytes(32)), run.runId).secret,
    ];

    // Act
    const answers = await Promise.all(forged.map((secret) => send(secret)));

    // Assess
    for (const answer of answers) expect(answer).toMatchObject({ statusCode: 401, body: { error: { type: 'CallbackSecretMismatchError' } } });
    expect(queries()).toBe(0);
    expect((await send(run.secret)).statusCode).toBe(200);
    expect(queries()).toBe(1);
  });

  it('does not let forged secrets use up the shared budget of genuine ones', async () => {
    const throttle = new CallbackThrottle({ perSecret: { perSecond: 1, burst: 5 }, overall: { perSecond: 1, burst: 2 }, nowMs: () => 0 });
    const { run, send } = await setUp(throttle);
    for (let i = 0; i < 20; i++) expect((await send(createCallbackSecret(run.signingKey, `other-${i}`).secret)).statusCode).toBe(401);
    expect((await send(run.secret)).statusCode).toBe(200);
  });

  it('says every secret it makes is well formed', () => {
    for (let i = 0; i < 200; i++) expect(isWellFormedCallbackSecret(createCallbackSecret(localCallbackSigningKey(), `run-${i}`).secret)).toBe(true);
  });

  it('throttles one run’s secret after its burst, answering 429 with Retry-After and no registry query, while another secret goes on', async () => {
    let nowMs = 0;
    const throttle = new CallbackThrottle({ perSecret: { perSecond: 1, burst: 3 }, overall: { perSecond: 100, burst: 100 }, nowMs: () => nowMs });
    const { run, send, queries } = await setUp(throttle);
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await send(run.secret)).statusCode);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect(queries()).toBe(3);
    const refused = await send(run.secret);
    expect(refused).toMatchObject({ statusCode: 429, headers: { 'retry-after': '1' }, body: { error: { type: 'CallbackThrottledError' } } });
    // Another secret tagged for the run (not the registered one) has its own bucket, and is then refused by the stored hash (401).
    expect((await send(createCallbackSecret(run.signingKey, run.runId).secret)).statusCode).toBe(401);
    // A second later the run's bucket has a token again.
    nowMs += 1_000;
    expect((await send(run.secret)).statusCode).toBe(200);
  });

  it('holds a ceiling over all secrets, and tracks at most its limit of them', () => {
    const key = localCallbackSigningKey();
    let nowMs = 0;
    const throttle = new CallbackThrottle({ perSecret: { perSecond: 1, burst: 5 }, overall: { perSecond: 10, burst: 10 }, maxTrackedSecrets: 50, nowMs: () => nowMs });
    const verdicts = Array.from({ length: 200 }, () => throttle.take(createCallbackSecret(key, 'run-1').secret));
    expect(verdicts.filter((verdict) => verdict.allowed)).toHaveLength(10);
    expect(verdicts.at(-1)).toEqual({ allowed: false, scope: 'overall', retryAfterSeconds: 1 });
    expect(throttle.trackedSecrets).toBe(50);
    nowMs += 500;
    expect(Array.from({ length: 10 }, () => throttle.take(createCallbackSecret(key, 'run-1').secret)).filter((verdict) => verdict.allowed)).toHaveLength(5);
  });
});
