import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunningPlatform } from './start';
import { eventsOf, getJson, instancesOf, invoke, rootRecord, sleepMs, startTestPlatform, waitFor } from '../../test-support/platform';

const scratch = mkdtempSync(join(tmpdir(), 'fb-bundles-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/**
 * A bundle of our own: listens, reports its port like the OpenFaaS adapter, then misbehaves. The
 * API cannot name files, so the test registers it with the platform it starts, as image `test/<name>`.
 */
function bundle(name: string, onRequest: string, beforeListen = ''): [string, string] {
  const file = join(scratch, `${name}.js`);
  writeFileSync(
    file,
    `${beforeListen}
const server = require('node:http').createServer((req, res) => { ${onRequest} });
server.listen(0, '127.0.0.1', () => process.send({ type: 'listening', port: server.address().port }));
process.on('disconnect', () => process.exit(0));`,
  );
  return [`test/${name}`, file];
}

/** A platform with no lab functions deployed that knows one bundle of the test's own, deployed as `service`. */
async function platformWith(service: string, image: [string, string]): Promise<RunningPlatform> {
  const platform = await startTestPlatform({ deployLabFunctions: false, customImages: new Map([image]) });
  await deploy(platform, service, image[0]);
  return platform;
}

async function deploy(platform: RunningPlatform, service: string, image: string, labels: Record<string, string> = {}): Promise<void> {
  const response = await getJson(platform, '/system/functions', { method: 'POST', body: JSON.stringify({ service, image, labels }) });
  expect(response.status).toBe(202);
}

describe('Local platform: failures and labels', () => {
  it('answers 502 when an instance dies mid-request, and records the crash', async () => {
    const platform = await platformWith('crasher', bundle('crasher', 'process.exit(3);'));
    const result = await invoke(platform, 'crasher');
    expect(result.status).toBe(502);
    expect(result.body).toMatchObject({ error: { type: 'UpstreamError' } });
    await waitFor(async () => (await eventsOf(platform)).some((event) => event.reason === 'crashed'), 5000, 'the crash event');
    const crash = (await eventsOf(platform)).find((event) => event.reason === 'crashed');
    expect(crash).toMatchObject({ type: 'instance-evicted', function: 'crasher', detail: 'exit code 3' });
    expect(await instancesOf(platform)).toEqual([]);
  });

  it('answers 502 when an instance never starts, and records why', async () => {
    const platform = await platformWith('nonstarter', bundle('nonstarter', '', "console.error('cannot load config'); process.exit(1);"));
    const result = await invoke(platform, 'nonstarter');
    expect(result.status).toBe(502);
    expect(result.body).toMatchObject({ error: { type: 'InstanceStartError', message: expect.stringContaining('cannot load config') } });
    const events = await eventsOf(platform);
    expect(events.find((event) => event.type === 'instance-evicted')).toMatchObject({ reason: 'start-failed' });
  });

  it('passes through the status and body of a function that answers an error itself', async () => {
    const platform = await platformWith('teapot', bundle('teapot', "res.writeHead(418, {'content-type': 'text/plain'}); res.end('short and stout');"));
    const result = await invoke(platform, 'teapot');
    expect(result).toMatchObject({ status: 418, body: 'short and stout' });
    expect(result.instanceHeader).toMatch(/^teapot-1-/);
  });

  it('delays every new instance by the init delay on top of the real start', async () => {
    const initDelayMs = 700;
    const platform = await startTestPlatform({ initDelayMs });
    const started = Date.now();
    const record = rootRecord(await invoke(platform, 'function3'));
    expect(Date.now() - started).toBeGreaterThanOrEqual(initDelayMs);
    expect(record.cold).toBe(true);
    const ready = (await eventsOf(platform)).find((event) => event.type === 'instance-ready');
    expect(ready?.durationMs).toBeGreaterThanOrEqual(initDelayMs);
  });

  it('keeps com.openfaas.scale.min idle instances from eviction', async () => {
    const platform = await startTestPlatform({ deployLabFunctions: false, idleTimeoutMs: 300 });
    await deploy(platform, 'kept', 'faas-benchmarker/function1', { 'com.openfaas.scale.min': '1' });
    await deploy(platform, 'dropped', 'faas-benchmarker/function1');
    await Promise.all([invoke(platform, 'kept'), invoke(platform, 'dropped')]);
    await waitFor(async () => (await instancesOf(platform, 'dropped')).length === 0, 5000, 'the unlabelled instance to go');
    await sleepMs(300);
    expect(await instancesOf(platform, 'kept')).toHaveLength(1);
    const bad = await getJson(platform, '/system/functions', { method: 'POST', body: JSON.stringify({ service: 'x', image: 'function1', labels: { 'com.openfaas.scale.min': 'many' } }) });
    expect(bad.status).toBe(400);
  });
});
