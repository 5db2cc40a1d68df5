import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { InvocationRecord, ResponseBody } from '../../lab-functions/core/records';
import type { InstanceStatus } from '../../local/platform/platform';
import { isAlive, waitFor } from '../../test-support/platform';

const FB = join(__dirname, '..', 'fb.js');
const started: ChildProcess[] = [];
/** The working directory of every `fb` started here (its .fb/ gets the gateway credential). */
const cwd = mkdtempSync(join(tmpdir(), 'fb-platform-cli-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

afterEach(() => {
  for (const child of started.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

/** Start `fb platform start` on a free port and wait for the URL it prints. */
async function startCli(args: string[] = []): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(process.execPath, [FB, 'platform', 'start', '--port', '0', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  // The banner's last line: everything before it has been printed.
  await waitFor(() => output.includes('press Ctrl-C to stop') || child.exitCode !== null, 30_000, 'the platform to listen');
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

  it('protects /system changes with a per-start credential that fb finds by itself, and removes it at stop', async () => {
    const { child, url, output } = await startCli();
    const port = Number(new URL(url).port);
    const file = join(cwd, '.fb', 'gateways', `${port}.json`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(output()).toContain(`password in ${file}`);
    const password = execFileSync(process.execPath, [FB, 'platform', 'credential', '--port', String(port)], { cwd, encoding: 'utf8' }).trim();
    expect(password.length).toBeGreaterThanOrEqual(32);
    expect(output()).not.toContain(password);

    const scale = (authorization?: string) =>
      fetch(`${url}/system/scale-function/function3`, { method: 'POST', headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) }, body: '{"replicas":1}' });
    expect((await scale()).status).toBe(401);
    expect((await scale(`Basic ${Buffer.from(`admin:${password}`).toString('base64')}`)).status).toBe(202);
    // Invoking needs none, as `curl -X POST …/function/function1` in the README.
    expect((await fetch(`${url}/function/function3`, { method: 'POST', body: '{}' })).status).toBe(200);

    child.kill('SIGINT');
    await once(child, 'exit');
    expect(existsSync(file)).toBe(false);
  });

  it('lets fb run --platform openfaas deploy through it with the credential it left', async () => {
    const { child, url } = await startCli(['--no-deploy']);
    const fb = spawn(process.execPath, [FB, 'run', 'linear-invocation', '--quick', '--param', 'callsPerFunction=1', '--platform', 'openfaas', '--gateway-url', url], {
      cwd,
      env: { ...process.env, FB_GATEWAY_USER: '', FB_GATEWAY_PASSWORD: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    started.push(fb);
    let output = '';
    fb.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    fb.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const [code] = await once(fb, 'exit');
    expect(output).toContain('linear-invocation: completed');
    expect(code).toBe(0);
    child.kill('SIGINT');
    await once(child, 'exit');
  }, 90_000);

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
    const child = spawn(process.execPath, [FB, 'platform', 'start', '--port', '0', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
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
