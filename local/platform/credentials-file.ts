import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { isProcessAlive } from '../../lib/process/is-alive';
import type { GatewayCredentials } from './gateway-guard';

/**
 * Where `fb platform start` leaves its gateway's credential so that the project's own commands
 * (`fb run --platform openfaas --gateway-url …`, `fb platform credential`) find it without the
 * user copying it: `<state dir>/gateways/<port>.json`, readable by the user only, removed when the
 * platform stops. The state dir is `.fb/` in the working directory, as for the results store.
 */
const credentialsFileSchema = z.object({
  url: z.string(),
  user: z.string(),
  password: z.string(),
  pid: z.number().int(),
});

export function gatewayCredentialsPath(stateDir: string, port: number): string {
  return join(stateDir, 'gateways', `${port}.json`);
}

export function writeGatewayCredentials(stateDir: string, url: string, port: number, credentials: GatewayCredentials): string {
  const file = gatewayCredentialsPath(stateDir, port);
  mkdirSync(join(stateDir, 'gateways'), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${JSON.stringify({ url, ...credentials, pid: process.pid })}\n`, { mode: 0o600 });
  return file;
}

export function removeGatewayCredentials(stateDir: string, port: number): void {
  rmSync(gatewayCredentialsPath(stateDir, port), { force: true });
}

/**
 * The credential of the local gateway at `gatewayUrl`, if a live `fb platform start` on this
 * machine wrote one for its port; undefined for any other gateway, or when its platform is gone.
 */
export function findGatewayCredentials(stateDir: string, gatewayUrl: string): GatewayCredentials | undefined {
  let url: URL;
  try {
    url = new URL(gatewayUrl);
  } catch {
    return undefined;
  }
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) return undefined;
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  let text: string;
  try {
    text = readFileSync(gatewayCredentialsPath(stateDir, port), 'utf8');
  } catch {
    return undefined;
  }
  const parsed = credentialsFileSchema.safeParse(safeJson(text));
  if (!parsed.success || !isProcessAlive(parsed.data.pid)) return undefined;
  return { user: parsed.data.user, password: parsed.data.password };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
