import { statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bundlePath } from '../../lab-functions/build';
import type { InvocationRecord, ResponseBody } from '../../lab-functions/core/records';
import { BAD_INPUTS, badInputText } from '../../lab-functions/core/bad-inputs';
import { eventsOf, getJson, instancesOf, invoke, isAlive, rootRecord, sleepMs, startTestPlatform, waitFor } from '../../test-support/platform';
import { initDelayOfBundle } from './options';
import type { FunctionStatus } from './platform';

describe('Local platform: instance life cycle (Lambda-like profile)', () => {
  it('is cold only on an instance’s first call, keeps it while calls come faster than the idle timeout, and starts a new one after', async () => {
    const idleTimeoutMs = 3000;
    const platform = await startTestPlatform({ idleTimeoutMs });
    const warm: InvocationRecord[] = [];
    for (let i = 0; i < 5; i++) {
      const result = await invoke(platform, 'function1');
      expect(result.status).toBe(200);
      warm.push(rootRecord(result));
      await sleepMs(idleTimeoutMs / 10);
    }
    expect(warm.map((record) => record.cold)).toEqual([true, false, false, false, false]);
    expect(new Set(warm.map((record) => record.instance_identifier)).size).toBe(1);

    await waitFor(async () => (await instancesOf(platform, 'function1')).length === 0, 10_000, 'the idle instance to be evicted');
    const after = rootRecord(await invoke(platform, 'function1'));
    expect(after.cold).toBe(true);
    expect(after.instance_identifier).not.toBe(warm[0]?.instance_identifier);

    const evictions = (await eventsOf(platform)).filter((event) => event.type === 'instance-evicted');
    expect(evictions).toHaveLength(1);
    expect(evictions[0]).toMatchObject({ reason: 'idle-timeout', instance: warm[0]?.platform_instance_id });
    // Evicted when idle reached the timeout, not before.
    expect(evictions[0]?.durationMs).toBeGreaterThanOrEqual(idleTimeoutMs);
  });

  it('retires instances at the max lifetime even while they are kept busy', async () => {
    const maxLifetimeMs = 1200;
    const platform = await startTestPlatform({ maxLifetimeMs, idleTimeoutMs: 60_000 });
    const records: InvocationRecord[] = [];
    const until = Date.now() + 3500;
    while (Date.now() < until) {
      records.push(rootRecord(await invoke(platform, 'function2')));
      await sleepMs(100);
    }
    const instances = new Set(records.map((record) => record.instance_identifier));
    expect(instances.size).toBeGreaterThanOrEqual(2);
    // Every instance's first call is its only cold one.
    expect(records.filter((record) => record.cold)).toHaveLength(instances.size);
    for (const record of records) {
      // A retired instance takes no new request: each started within its lifetime (plus spawn slack).
      expect(record.execution_start - record.instance_started_at).toBeLessThan(maxLifetimeMs + 1000);
    }
    const reasons = (await eventsOf(platform)).filter((event) => event.type === 'instance-evicted').map((event) => event.reason);
    expect(reasons.length).toBeGreaterThanOrEqual(1);
    expect(new Set(reasons)).toEqual(new Set(['max-lifetime']));
  });

  it('answers 429 when every one of max instances is busy, and runs the rest on distinct instances', async () => {
    const platform = await startTestPlatform({ maxInstances: 2 });
    const results = await Promise.all([0, 1, 2].map(() => invoke(platform, 'function3', { sleep: 1 })));
    const statuses = results.map((result) => result.status).sort();
    expect(statuses).toEqual([200, 200, 429]);
    const throttled = results.find((result) => result.status === 429);
    expect(throttled?.body).toEqual({ error: { type: 'TooManyRequestsError', message: expect.stringContaining('max instances 2') } });
    const served = results.filter((result) => result.status === 200).map(rootRecord);
    expect(new Set(served.map((record) => record.instance_identifier)).size).toBe(2);
    expect(served.every((record) => record.cold)).toBe(true);
    // The platform counts what it refused, per function.
    expect((await getJson<FunctionStatus>(platform, '/system/function/function3')).body).toMatchObject({ invocationCount: 3, throttledCount: 1 });
    expect((await getJson<FunctionStatus>(platform, '/system/function/function1')).body).toMatchObject({ invocationCount: 0, throttledCount: 0 });
  });
});

describe('Local platform: Azure-like and OpenFaaS-like profiles', () => {
  it('serves concurrent calls on one instance (Azure-like)', async () => {
    const platform = await startTestPlatform({ profile: 'azure' });
    const results = await Promise.all(Array.from({ length: 6 }, () => invoke(platform, 'function1', { sleep: 0.5 })));
    expect(results.map((result) => result.status)).toEqual([200, 200, 200, 200, 200, 200]);
    const records = results.map(rootRecord);
    expect(new Set(records.map((record) => record.instance_identifier)).size).toBe(1);
    expect(records.filter((record) => record.cold)).toHaveLength(1);
    expect(records.every((record) => record.memory_mb === 1536)).toBe(true);
    // They really overlapped: six half-second sleeps on one instance, well under three seconds in all.
    const span = Math.max(...records.map((r) => r.execution_end)) - Math.min(...records.map((r) => r.execution_start));
    expect(span).toBeLessThan(2500);
  });

  it('answers 429 to a queued request that found no room within the queue timeout, and counts it (Azure-like)', async () => {
    const platform = await startTestPlatform({ profile: 'azure', maxInstances: 1, concurrencyPerInstance: 1, queueTimeoutMs: 300 });
    const results = await Promise.all([0, 1].map(() => invoke(platform, 'function2', { sleep: 1.5 })));
    expect(results.map((result) => result.status).sort()).toEqual([200, 429]);
    expect(results.find((result) => result.status === 429)?.body).toEqual({ error: { type: 'TooManyRequestsError', message: expect.stringContaining('within 300 ms') } });
    expect((await getJson<FunctionStatus>(platform, '/system/function/function2')).body).toMatchObject({ invocationCount: 2, throttledCount: 1 });
  });

  it('adds instances no faster than the scale-out interval, queueing requests meanwhile (Azure-like)', async () => {
    const scaleOutIntervalMs = 800;
    const platform = await startTestPlatform({ profile: 'azure', concurrencyPerInstance: 2, scaleOutIntervalMs });
    const results = await Promise.all(Array.from({ length: 6 }, () => invoke(platform, 'function2', { sleep: 1 })));
    expect(results.every((result) => result.status === 200)).toBe(true);
    const starts = (await eventsOf(platform)).filter((event) => event.type === 'instance-started').map((event) => event.at);
    expect(starts.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < starts.length; i++) {
      expect((starts[i] as number) - (starts[i - 1] as number)).toBeGreaterThanOrEqual(scaleOutIntervalMs - 5);
    }
    const perInstance = new Map<string, number>();
    for (const record of results.map(rootRecord)) perInstance.set(record.instance_identifier, (perInstance.get(record.instance_identifier) ?? 0) + 1);
    expect(Math.max(...perInstance.values())).toBeLessThanOrEqual(6);
    expect(perInstance.size).toBe(starts.length);
  });

  it('scales replicas up on request and down to zero (OpenFaaS-like)', async () => {
    const platform = await startTestPlatform({ profile: 'openfaas' });
    const up = await getJson<{ replicas: number }>(platform, '/system/scale-function/function3', { method: 'POST', body: JSON.stringify({ serviceName: 'function3', replicas: 2 }) });
    expect(up).toEqual({ status: 202, body: { replicas: 2 } });
    await waitFor(async () => (await instancesOf(platform, 'function3')).filter((i) => i.state === 'ready').length === 2, 10_000, 'two ready replicas');
    const status = await getJson<FunctionStatus>(platform, '/system/function/function3');
    expect(status.body).toMatchObject({ name: 'function3', replicas: 2, availableReplicas: 2 });

    const down = await getJson(platform, '/system/scale-function/function3', { method: 'POST', body: JSON.stringify({ replicas: 0 }) });
    expect(down.status).toBe(202);
    expect(await instancesOf(platform, 'function3')).toEqual([]);
    const reasons = (await eventsOf(platform)).filter((event) => event.type === 'instance-evicted').map((event) => event.reason);
    expect(reasons).toEqual(['scaled-down', 'scaled-down']);
  });

  it('scales an idle function to zero after the idle timeout (OpenFaaS-like)', async () => {
    const platform = await startTestPlatform({ profile: 'openfaas', idleTimeoutMs: 800 });
    expect(rootRecord(await invoke(platform, 'function1')).cold).toBe(true);
    await waitFor(async () => (await instancesOf(platform)).length === 0, 10_000, 'scale to zero');
    expect(rootRecord(await invoke(platform, 'function1')).cold).toBe(true);
  });
});

describe('Local platform: nested calls and the monolith', () => {
  it('takes the original experiments\' callee names (<experiment>-function2) for the lab function they end with', async () => {
    const platform = await startTestPlatform();
    const result = await invoke(platform, 'function1', {
      invoke_nested: [{ function_name: 'simple-cold-function-nested-function2', invoke_payload: { invoke_nested: [{ function_name: 'coldstart-identifier-nested-function3', invoke_payload: {} }] } }],
    });
    expect(result.status).toBe(200);
    const records = Object.values(result.body as ResponseBody).filter((value) => typeof value === 'object') as InvocationRecord[];
    expect(records.map((record) => [record.function_name, record.level]).sort()).toEqual([
      ['function1', 0],
      ['function2', 1],
      ['function3', 2],
    ]);
    expect(records.every((record) => !('error' in record))).toBe(true);
  });

  it('runs a 3-level nested chain through the gateway with correct parent, level and timing', async () => {
    const platform = await startTestPlatform();
    const result = await invoke(platform, 'function1', {
      invoke_nested: [{ function_name: 'function2', invoke_payload: { invoke_nested: [{ function_name: 'function3', invoke_payload: { sleep: 0.05 } }] } }],
    });
    expect(result.status).toBe(200);
    const body = result.body as ResponseBody;
    const records = Object.values(body).filter((value) => typeof value === 'object') as InvocationRecord[];
    expect(records.map((record) => record.function_name).sort()).toEqual(['function1', 'function2', 'function3']);
    const named = (name: string): InvocationRecord => {
      const record = records.find((candidate) => candidate.function_name === name);
      if (!record) throw new Error(`no ${name} record`);
      return record;
    };
    const [f1, f2, f3] = [named('function1'), named('function2'), named('function3')];
    expect(body.root_identifier).toBe(f1.identifier);
    expect([f1.parent, f2.parent, f3.parent]).toEqual(['root', f1.identifier, f2.identifier]);
    expect([f1.level, f2.level, f3.level]).toEqual([0, 1, 2]);
    expect(new Set(records.map((record) => record.instance_identifier)).size).toBe(3);
    expect(f3.sleep).toBe(0.05);
    // Each call's window on the caller's clock contains the callee's execution (a few ms of slack
    // for separate processes' clocks), and lies inside the caller's own execution.
    const slackMs = 3;
    for (const [caller, callee] of [
      [f1, f2],
      [f2, f3],
    ] as const) {
      expect(callee.invocation_start).toBeDefined();
      expect(callee.invocation_start as number).toBeLessThanOrEqual(callee.execution_start + slackMs);
      expect(callee.invocation_end as number).toBeGreaterThanOrEqual(callee.execution_end - slackMs);
      expect(callee.invocation_start as number).toBeGreaterThanOrEqual(caller.execution_start - slackMs);
      expect(callee.invocation_end as number).toBeLessThanOrEqual(caller.execution_end + slackMs);
    }
    expect(f3.execution_end - f3.execution_start).toBeGreaterThanOrEqual(50);
  });

  it('stops a chain of nested calls when the client disconnects: the call in flight is abandoned, the rest never made', async () => {
    const platform = await startTestPlatform();
    // Warm both functions so the timing below is not a cold start's.
    await invoke(platform, 'function1', { invoke_nested: [{ function_name: 'function2' }] });
    const servedBy = () => platform.platform.pool('function2').invocationCount;
    const before = servedBy();
    const calls = Array.from({ length: 5 }, () => ({ function_name: 'function2', invoke_payload: { sleep: 0.6 } }));
    // Without cancellation this takes 3 s and reaches function2 five times.
    const abandoned = fetch(`${platform.url}/function/function1`, { method: 'POST', body: JSON.stringify({ invoke_nested: calls }), signal: AbortSignal.timeout(300) });
    await expect(abandoned).rejects.toThrow();
    await sleepMs(3_500);
    expect(servedBy() - before).toBe(1);
    // The platform keeps serving: the next call runs its whole chain.
    const whole = await invoke(platform, 'function1', { invoke_nested: calls.slice(0, 2).map((call) => ({ ...call, invoke_payload: { sleep: 0 } })) });
    expect(whole.status).toBe(200);
    expect(servedBy() - before).toBe(3);
  });

  it('records a nested call to a function that does not exist as an error inside a 200', async () => {
    const platform = await startTestPlatform();
    const result = await invoke(platform, 'function1', { invoke_nested: [{ function_name: 'function9' }] });
    expect(result.status).toBe(200);
    const errorRecord = Object.values(result.body as ResponseBody).find((value) => typeof value === 'object' && 'error' in value);
    expect(errorRecord).toMatchObject({ function_name: 'function9', http_status: 404, error: { type: 'FunctionNotFoundError', message: expect.stringContaining('not found') } });
  });

  it('runs monolith features on a real instance', async () => {
    const platform = await startTestPlatform();
    for (const [runFunction, args] of [['matrix_mult', 20], ['pandas_numpy', 4], ['use_arrow', 0], ['random', 3]] as const) {
      const result = await invoke(platform, 'monolith', { run_function: runFunction, args, seed: 11 });
      expect(result.status).toBe(200);
      const record = rootRecord(result);
      expect(record.function_name).toBe('monolith');
      expect(record.monolith_result?.length).toBeGreaterThan(0);
      expect(record.seed).toBe(11);
    }
  });

  it('delays a new instance by the init delay plus its bundle size × the per-MB rate, so the monolith is ready later than function1', async () => {
    const initDelayMs = 100;
    const initDelayPerMbMs = 1000;
    const platform = await startTestPlatform({ initDelayMs, initDelayPerMbMs });
    const expectedMs = (name: string) => initDelayOfBundle({ initDelayMs, initDelayPerMbMs }, statSync(bundlePath('openfaas', name)).size);
    // The monolith's bundle is over a megabyte, function1's a few tens of kilobytes.
    expect(expectedMs('monolith') - expectedMs('function1')).toBeGreaterThan(900);
    for (const name of ['function1', 'monolith']) {
      const started = Date.now();
      expect(rootRecord(await invoke(platform, name)).cold).toBe(true);
      expect(Date.now() - started).toBeGreaterThanOrEqual(expectedMs(name));
    }
    const readyMs = new Map((await eventsOf(platform)).filter((event) => event.type === 'instance-ready').map((event) => [event.function, event.durationMs as number]));
    for (const name of ['function1', 'monolith']) expect(readyMs.get(name)).toBeGreaterThanOrEqual(expectedMs(name));
    // Ready later by about size × rate: the difference of the delays, plus the monolith's own
    // heavier module load (~0.1 s here) and the jitter of process starts on two shared cores.
    const later = (readyMs.get('monolith') as number) - (readyMs.get('function1') as number);
    const extraMs = expectedMs('monolith') - expectedMs('function1');
    expect(later).toBeGreaterThan(extraMs - 150);
    expect(later).toBeLessThan(extraMs + 700);
    const info = await getJson<{ settings: Record<string, unknown> }>(platform, '/system/info');
    expect(info.body.settings).toMatchObject({ initDelayMs, initDelayPerMbMs });
  });

  it.each(BAD_INPUTS)('answers 400 through the gateway for $case', async (input) => {
    const platform = await startTestPlatform();
    const result = await invoke(platform, input.functionName ?? 'function1', badInputText(input), true);
    expect(result.status).toBe(400);
    expect(result.body).toEqual({ error: { type: 'InvalidInputError', message: expect.stringContaining(input.mentions) } });
  });
});

describe('Local platform: OpenFaaS gateway API', () => {
  it('deploys the four lab functions at start and lists them like OpenFaaS', async () => {
    const platform = await startTestPlatform();
    const { status, body } = await getJson<FunctionStatus[]>(platform, '/system/functions');
    expect(status).toBe(200);
    expect(body.map((fn) => fn.name)).toEqual(['function1', 'function2', 'function3', 'monolith']);
    expect(body[0]).toMatchObject({ image: 'faas-benchmarker/function1:latest', replicas: 0, availableReplicas: 0, invocationCount: 0, namespace: 'openfaas-fn' });
    expect((await fetch(`${platform.url}/healthz`)).status).toBe(200);
  });

  it('deploys, updates, invokes and removes a function', async () => {
    const platform = await startTestPlatform({ deployLabFunctions: false });
    const deploy = { service: 'exp1-function2', image: 'ghcr.io/example/function2:0.1', envVars: { FB_FUNCTION_PREFIX: 'exp1-' }, limits: { memory: '256Mi' } };
    expect((await getJson(platform, '/system/functions', { method: 'POST', body: JSON.stringify(deploy) })).status).toBe(202);
    expect((await getJson(platform, '/system/functions', { method: 'POST', body: JSON.stringify(deploy) })).status).toBe(409);
    const first = rootRecord(await invoke(platform, 'exp1-function2'));
    expect(first).toMatchObject({ function_name: 'function2', memory_mb: 256, platform: 'local' });

    const update = { ...deploy, limits: { memory: '512Mi' } };
    expect((await getJson(platform, '/system/functions', { method: 'PUT', body: JSON.stringify(update) })).status).toBe(202);
    const afterUpdate = rootRecord(await invoke(platform, 'exp1-function2'));
    expect(afterUpdate).toMatchObject({ memory_mb: 512, cold: true });
    expect((await getJson<FunctionStatus>(platform, '/system/function/exp1-function2')).body.invocationCount).toBe(2);

    expect((await getJson(platform, '/system/functions', { method: 'DELETE', body: JSON.stringify({ functionName: 'exp1-function2' }) })).status).toBe(202);
    expect((await invoke(platform, 'exp1-function2')).status).toBe(404);
    expect(await instancesOf(platform)).toEqual([]);
  });

  it.each([
    ['a deployment without an image', { service: 'x' }, 'image'],
    ['an image that is not a lab function', { service: 'x', image: 'nginx:latest' }, 'unknown locally'],
    ['a service name that is not DNS-safe', { service: 'Bad_Name', image: 'function1' }, 'service'],
    ['a memory limit that is not a quantity', { service: 'x', image: 'function1', limits: { memory: 'lots' } }, 'limits.memory'],
  ])('refuses %s with 400', async (_case, deployment, mentions) => {
    const platform = await startTestPlatform({ deployLabFunctions: false });
    const { status, body } = await getJson<{ error: { message: string } }>(platform, '/system/functions', { method: 'POST', body: JSON.stringify(deployment) });
    expect(status).toBe(400);
    expect(body.error.message).toContain(mentions);
  });

  it('answers 404 for unknown functions and routes, and 400 for a bad scale request', async () => {
    const platform = await startTestPlatform();
    expect((await invoke(platform, 'nope')).status).toBe(404);
    expect((await getJson(platform, '/system/nothing')).status).toBe(404);
    expect((await getJson(platform, '/system/scale-function/function1', { method: 'POST', body: '{"replicas":-1}' })).status).toBe(400);
    expect((await getJson(platform, '/system/scale-function/nope', { method: 'POST', body: '{"replicas":1}' })).status).toBe(404);
    // Above the max instances (sized from memory unless set), refused before a process starts.
    const tooMany = await getJson<{ error: { message: string } }>(platform, '/system/scale-function/function1', { method: 'POST', body: JSON.stringify({ replicas: platform.platform.settings.maxInstances + 1 }) });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.message).toContain(`from 0 to ${platform.platform.settings.maxInstances}`);
    expect((await getJson<unknown[]>(platform, '/system/instances?function=function1')).body).toEqual([]);
  });

  it('answers 400, not 500, to a malformed percent-escape in a path, on every route that decodes one', async () => {
    const platform = await startTestPlatform();
    for (const [path, method] of [
      ['/function/%zz', 'POST'],
      ['/function/function1%', 'GET'],
      ['/system/function/%E0%A4%A', 'GET'],
      ['/system/scale-function/%ff', 'POST'],
    ] as const) {
      const answer = await getJson<{ error: { type: string; message: string } }>(platform, path, { method, ...(method === 'POST' ? { body: '{"replicas":1}' } : {}) });
      expect(answer.status, `${method} ${path}`).toBe(400);
      expect(answer.body.error.message).toContain('malformed percent-escape');
    }
    expect((await invoke(platform, 'function1')).status).toBe(200);
  });

  it('reports instances with their served counts', async () => {
    const platform = await startTestPlatform();
    await invoke(platform, 'function1');
    await invoke(platform, 'function1');
    const [instance] = await instancesOf(platform);
    expect(instance).toMatchObject({ function: 'function1', state: 'ready', served: 2, inFlight: 0 });
    expect(instance?.startupMs).toBeGreaterThan(0);
  });
});

describe('Local platform: shutdown', () => {
  it('leaves no child process behind', async () => {
    const platform = await startTestPlatform({ profile: 'lambda' });
    await Promise.all([invoke(platform, 'function1'), invoke(platform, 'function2'), invoke(platform, 'function1', { sleep: 0.2 })]);
    const pids = (await instancesOf(platform)).map((instance) => instance.pid as number);
    expect(pids.length).toBeGreaterThanOrEqual(2);
    expect(pids.every(isAlive)).toBe(true);
    await platform.stop();
    expect(pids.filter(isAlive)).toEqual([]);
  });
});
