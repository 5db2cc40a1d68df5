import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { InvocationRecord, ResponseBody } from '../../lab-functions/core/records';
import type { InstanceStatus } from '../../local/platform/platform';
import { isAlive, waitFor } from '../../test-support/platform';

const FB = join(__dirname, '..', 'fb.js');
const started: ChildProcess[] = [];

afterEach(() => {
  for (const child of started.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

/** Start `fb platform start` on a free port and wait for the URL it prints. */
async function startCli(args: string[] = []): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(process.execPath, [FB, 'platform', 'start', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  await waitFor(() => /listening on http:\/\/127\.0\.0\.1:\d+/.test(output) || child.exitCode !== null, 30_000, 'the platform to listen');
  const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
  if (!url) throw new Error(`fb platform start did not start: ${output}`);
  return { child, url, output: () => output };
}

const NESTED_CHAIN = {
  invoke_nested: [{ function_name: 'function2', invoke_payload: { invoke_nested: [{ function_name: 'function3', invoke_payload: {} }] } }],
};

async function livePids(url: string): Promise<number[]> {
  const instances = (await (await fetch(`${url}/system/instances`)).json()) as InstanceStatus[];
  return instances.map((instance) => instance.pid as number);
}

describe('CLI: fb platform start', () => {
  it('serves the three-record nested tree, shows instance events, and stops its instances on SIGTERM', async () => {
    const { child, url, output } = await startCli(['--idle-timeout', '10m']);
    expect(output()).toContain('deployed: function1, function2, function3, monolith');
    const response = await fetch(`${url}/function/function1`, { method: 'POST', body: JSON.stringify(NESTED_CHAIN) });
    expect(response.status).toBe(200);
    const body = (await response.json()) as ResponseBody;
    const records = Object.values(body).filter((value) => typeof value === 'object') as InvocationRecord[];
    expect(records.map((record) => [record.function_name, record.level]).sort()).toEqual([
      ['function1', 0],
      ['function2', 1],
      ['function3', 2],
    ]);
    await waitFor(() => (output().match(/instance-ready/g) ?? []).length === 3, 5000, 'three instance-ready lines');

    const pids = await livePids(url);
    expect(pids).toHaveLength(3);
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    expect(output()).toContain('SIGTERM: stopping 3 instance(s)');
    expect(pids.filter(isAlive)).toEqual([]);
  });

  it('stops its instances on SIGINT (Ctrl-C) too', async () => {
    const { child, url } = await startCli();
    await fetch(`${url}/function/function3`, { method: 'POST', body: '{}' });
    const pids = await livePids(url);
    child.kill('SIGINT');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    expect(pids.filter(isAlive)).toEqual([]);
  });

  it('leaves no orphan even when the platform process is killed outright', async () => {
    const { child, url } = await startCli();
    await fetch(`${url}/function/function1`, { method: 'POST', body: JSON.stringify(NESTED_CHAIN) });
    const pids = await livePids(url);
    expect(pids).toHaveLength(3);
    child.kill('SIGKILL');
    await once(child, 'exit');
    // Each instance exits when its IPC channel to the platform closes.
    await waitFor(() => pids.every((pid) => !isAlive(pid)), 10_000, 'instances to exit after their platform died');
  });

  it.each([
    [['--idle-timeout', 'soon'], 'invalid duration'],
    [['--profile', 'gcp'], 'Allowed choices are lambda, azure, openfaas'],
    [['--max-instances', '-3'], 'not a non-negative integer'],
  ])('refuses %j with a one-line error and a non-zero exit', async (args, message) => {
    const child = spawn(process.execPath, [FB, 'platform', 'start', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    started.push(child);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const [code] = await once(child, 'exit');
    expect(code).not.toBe(0);
    expect(stderr).toContain(message);
  });
});
