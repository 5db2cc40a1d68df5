/**
 * The OpenFaaS image's Dockerfile against what `npm run build:functions` produces: the build
 * context is a function's bundle folder, the Dockerfile copies the bundle the build wrote there
 * and the watchdog starts exactly the file it copied, on the port its upstream_url names. The
 * bundle is built outside the repository, so starting it proves it needs no node_modules (the
 * image has none).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundlePath, buildFunctions, OPENFAAS_DOCKERFILE } from '../../build';

interface Instruction {
  keyword: string;
  args: string;
}

/** The Dockerfile's instructions, continuation lines joined and comments dropped. */
function instructions(text: string): Instruction[] {
  const logical = text
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return logical
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [keyword = '', ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    });
}

/** Every `ENV` of the final stage, as one map (later values win). */
function envOf(steps: Instruction[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const step of steps.filter((s) => s.keyword === 'ENV')) {
    for (const match of step.args.matchAll(/(\w+)=("([^"]*)"|\S+)/g)) env[match[1] as string] = match[3] ?? (match[2] as string);
  }
  return env;
}

const steps = instructions(readFileSync(OPENFAAS_DOCKERFILE, 'utf8'));
const finalStage = steps.slice(steps.map((s) => s.keyword).lastIndexOf('FROM'));
const env = envOf(finalStage);
const workdir = finalStage.filter((s) => s.keyword === 'WORKDIR').at(-1)?.args ?? '/';
/** The COPY of the bundle from the build context (not the watchdog's from its stage). */
const bundleCopy = finalStage.find((s) => s.keyword === 'COPY' && !s.args.includes('--from'));
const [copySource = '', copyTarget = ''] = (bundleCopy?.args ?? '').split(/\s+/).filter((word) => !word.startsWith('--'));

describe('OpenFaaS Dockerfile and the built bundle', () => {
  let outDir: string;
  let instance: ChildProcess | undefined;

  beforeAll(async () => {
    outDir = mkdtempSync(join(tmpdir(), 'fb-openfaas-image-'));
    await buildFunctions({ outDir, platforms: ['openfaas'], functions: ['function1'] });
  });
  afterAll(() => {
    instance?.kill();
    rmSync(outDir, { recursive: true, force: true });
  });

  it('copies the file the build wrote, at its place in the context, into the image', () => {
    const bundle = bundlePath('openfaas', 'function1', outDir);
    const context = dirname(bundle);
    expect(copySource).toBe(relative(context, bundle));
    expect(readFileSync(join(context, 'Dockerfile'), 'utf8')).toBe(readFileSync(OPENFAAS_DOCKERFILE, 'utf8'));
  });

  it('has the watchdog start, in HTTP mode as a non-root user, the very file it copied', () => {
    const copied = posix.resolve(workdir, copyTarget);
    expect(env.fprocess).toBe(`node ${copied}`);
    expect(env.mode).toBe('http');
    expect(finalStage.find((s) => s.keyword === 'USER')?.args).not.toMatch(/^(root|0)$/);
    expect(finalStage.at(-1)).toEqual({ keyword: 'CMD', args: '["fwatchdog"]' });
    expect(finalStage.some((s) => s.keyword === 'COPY' && s.args === '--from=watchdog /fwatchdog /usr/bin/fwatchdog')).toBe(true);
  });

  it('points the watchdog at the loopback port the bundle listens on, with timeouts past the longest sleep', () => {
    const upstream = new URL(env.upstream_url ?? '');
    expect(upstream.hostname).toBe('127.0.0.1');
    expect(upstream.port).toBe(env.PORT);
    for (const timeout of ['exec_timeout', 'read_timeout', 'write_timeout']) expect(Number.parseInt(env[timeout] ?? '', 10), timeout).toBeGreaterThanOrEqual(16);
  });

  it('starts from the bundle folder alone and answers an invocation', async () => {
    // Port 0 stands in for the image's PORT: the bundle reports the port it got over IPC.
    instance = fork(bundlePath('openfaas', 'function1', outDir), [], { cwd: tmpdir(), env: { PATH: process.env.PATH, PORT: '0' }, stdio: 'ignore' });
    const port = await new Promise<number>((resolve, reject) => {
      instance?.once('message', (message) => resolve((message as { port: number }).port));
      instance?.once('exit', (code) => reject(new Error(`the bundle exited with ${code}`)));
    });
    const answer = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: '{}' });
    expect(answer.status).toBe(200);
    const body = (await answer.json()) as Record<string, { function_name?: string }> & { root_identifier: string };
    expect(body[body.root_identifier]?.function_name).toBe('function1');
  });
});
