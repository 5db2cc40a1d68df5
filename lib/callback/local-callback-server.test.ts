/**
 * End-to-end tests of the local callback endpoint over real HTTP on loopback with a real
 * TokenBroker: a waiting task resolves or fails with what the agent sent, heartbeats keep it
 * alive, replays and wrong secrets are refused.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { TaskError, TokenBroker } from './local-token-broker';
import { recordingLogger } from '../../test-support/callback';
import { type LocalCallbackServer, startLocalCallbackServer } from './local-callback-server';
import { InMemoryCallbackRegistry, registerCallback } from './registry';
import { createCallbackSecret } from './secrets';
import { localCallbackSigningKey } from './signing-key';

const open: LocalCallbackServer[] = [];
afterEach(async () => {
  for (const server of open.splice(0)) await server.close();
});

/** A broker with one waiting task, its run registered, and the server the agent would be given. */
async function setUp(options: { heartbeatMs?: number } = {}) {
  const broker = new TokenBroker();
  const registry = new InMemoryCallbackRegistry();
  const log = recordingLogger();
  const task = broker.issue(options);
  task.result.catch(() => undefined); // observed by the tests that expect a failure
  const runId = 'run-local-1';
  const signingKey = localCallbackSigningKey();
  const { secret } = await registerCallback(registry, signingKey, { runId, taskToken: task.token, expiresAt: new Date(Date.now() + 60_000) });
  const server = await startLocalCallbackServer({ registry, signingKey, broker, logger: log.logger });
  open.push(server);
  const post = async (body: unknown, headers: Record<string, string> = { authorization: `Bearer ${secret}` }) => {
    const answer = await request(server.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
    return { status: answer.statusCode, body: (await answer.body.json()) as Record<string, unknown> };
  };
  return { broker, registry, signingKey, log, task, runId, secret, server, post };
}

describe('Function: startLocalCallbackServer', () => {
  it('listens on loopback at /callback', async () => {
    const { server } = await setUp();
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
  });

  it("resolves the waiting task with the agent's output, and refuses a replay with 409", async () => {
    // Prepare
    const { post, runId, task, broker } = await setUp();
    const output = { rows: 42, resultsFile: '/tmp/fb/run-local-1.arrow' };

    // Act
    const accepted = await post({ runId, kind: 'success', output });
    const replay = await post({ runId, kind: 'success', output: { rows: 0 } });

    // Assess
    expect(accepted).toEqual({ status: 200, body: { ok: true, runId, kind: 'success' } });
    await expect(task.result).resolves.toEqual(output);
    expect(replay.status).toBe(409);
    expect(replay.body).toMatchObject({ error: { type: 'CallbackAlreadyCompletedError' } });
    expect(broker.size).toBe(0);
  });

  it('fails the waiting task with the agent’s error and cause', async () => {
    const { post, runId, task } = await setUp();
    expect((await post({ runId, kind: 'failure', error: 'FunctionsUnreachableError', cause: 'all 20 invocations refused' })).status).toBe(200);
    const error = await task.result.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskError);
    expect(error).toMatchObject({ name: 'FunctionsUnreachableError', message: 'all 20 invocations refused' });
  });

  it('keeps a task alive past its heartbeat timeout while heartbeats arrive', async () => {
    // Prepare
    const { post, runId, task } = await setUp({ heartbeatMs: 1_000 });

    // Act
    for (let i = 0; i < 4; i++) {
      await sleep(400); // 1.6 s in all, well past the 1 s heartbeat timeout
      expect((await post({ runId, kind: 'heartbeat' })).status).toBe(200);
    }
    await post({ runId, kind: 'success', output: 'done' });

    // Assess
    await expect(task.result).resolves.toBe('done');
  });

  it('answers 410 once the broker has timed the task out', async () => {
    const { post, runId, task } = await setUp({ heartbeatMs: 50 });
    await expect(task.result).rejects.toMatchObject({ name: 'States.HeartbeatTimeout' });
    const late = await post({ runId, kind: 'success', output: {} });
    expect(late).toMatchObject({ status: 410, body: { error: { type: 'TaskNoLongerWaitingError' } } });
  });

  it('refuses a wrong secret with 401 and leaves the task waiting; logs neither secret nor token', async () => {
    // Prepare
    const { post, runId, broker, log, secret, signingKey, task } = await setUp();
    const wrong = 'W'.repeat(43);

    // Act
    const refused = await post({ runId, kind: 'success', output: {} }, { authorization: `Bearer ${wrong}` });
    const unknown = await post({ runId: 'run-nope', kind: 'heartbeat' }, { authorization: `Bearer ${createCallbackSecret(signingKey, 'run-nope').secret}` });

    // Assess
    expect(refused).toMatchObject({ status: 401, body: { error: { type: 'CallbackSecretMismatchError' } } });
    expect(unknown).toMatchObject({ status: 404, body: { error: { type: 'CallbackRunUnknownError' } } });
    expect(broker.size).toBe(1);
    expect(log.lines.filter((line) => line.level === 'warn')).toHaveLength(2);
    for (const hidden of [secret, wrong, task.token]) expect(log.text()).not.toContain(hidden);
    broker.failAll('TestOver', 'done');
  });

  it('answers 404 elsewhere, 405 to other methods, 400 to bad JSON and 413 to a huge body', async () => {
    const { server, post, runId } = await setUp();
    const elsewhere = await request(server.url.replace('/callback', '/other'), { method: 'POST', body: '{}' });
    const get = await request(server.url);
    const huge = await post({ runId, kind: 'success', output: 'x'.repeat(2 * 1024 * 1024) }).catch((e: unknown) => e);
    expect(elsewhere.statusCode).toBe(404);
    expect(get.statusCode).toBe(405);
    expect(get.headers.allow).toBe('POST');
    await Promise.all([elsewhere.body.dump(), get.body.dump()]);
    expect((await post('{"runId":')).status).toBe(400);
    expect(huge).toMatchObject({ status: 413, body: { error: { type: 'CallbackBodyTooLargeError' } } });
  });
});
