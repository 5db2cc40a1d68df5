import { afterEach } from 'vitest';
import type { PlatformEvent } from '../local/platform/events';
import { basicAuthHeader } from '../local/platform/gateway-guard';
import type { InstanceStatus } from '../local/platform/platform';
import { type RunningPlatform, type StartOptions, startLocalPlatform } from '../local/platform/start';
import type { InvocationRecord, ResponseBody } from '../lab-functions/core/records';

const running: RunningPlatform[] = [];

/**
 * Start a local platform on an ephemeral loopback port for one test; it is stopped after the
 * test whatever happens. The bundles come from the global setup's build.
 */
export async function startTestPlatform(options: StartOptions = {}): Promise<RunningPlatform> {
  const platform = await startLocalPlatform({ port: 0, ...options });
  running.push(platform);
  return platform;
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((platform) => platform.stop()));
});

export interface Invocation {
  status: number;
  body: unknown;
  instanceHeader: string | null;
}

/** POST a JSON body (or raw text) to a function through the gateway. */
export async function invoke(platform: RunningPlatform, functionName: string, body: unknown = {}, raw = false): Promise<Invocation> {
  const response = await fetch(`${platform.url}/function/${functionName}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: raw ? String(body) : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Keep the text.
  }
  return { status: response.status, body: parsed, instanceHeader: response.headers.get('x-fb-instance-id') };
}

/** The root record of a successful invocation (fails the test if there is none). */
export function rootRecord(invocation: Invocation): InvocationRecord {
  const body = invocation.body as ResponseBody;
  const record = body?.[body.root_identifier];
  if (!record || typeof record !== 'object') throw new Error(`no root record in ${JSON.stringify(invocation.body).slice(0, 300)}`);
  return record as InvocationRecord;
}

/** Call the gateway as the project's own tools do: with its credential, and JSON declared as JSON. */
export async function getJson<T>(platform: RunningPlatform, path: string, init: RequestInit = {}): Promise<{ status: number; body: T }> {
  const headers = { authorization: basicAuthHeader(platform.credentials), 'content-type': 'application/json', ...(init.headers as Record<string, string> | undefined) };
  const response = await fetch(`${platform.url}${path}`, { ...init, headers });
  return { status: response.status, body: (await response.json()) as T };
}

export const instancesOf = async (platform: RunningPlatform, functionName?: string) =>
  (await getJson<InstanceStatus[]>(platform, `/system/instances${functionName ? `?function=${functionName}` : ''}`)).body;

export const eventsOf = async (platform: RunningPlatform) => (await getJson<PlatformEvent[]>(platform, '/system/events')).body;

/** Whether a process with this pid still exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Wait until `check` holds, polling every 50 ms, for at most `timeoutMs`. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

export const sleepMs = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
