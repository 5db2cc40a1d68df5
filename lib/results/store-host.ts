/**
 * Embedded PGlite is one process's database: two processes opening the same data directory would
 * corrupt it. Yet `fb runs --running` is meant to be used while `fb run` is running, and two
 * `fb run`s may share one working directory. So the first `fb` process to open a data directory
 * becomes its host: it opens PGlite and serves the ResultsStore methods over HTTP on loopback,
 * announced in a lock file beside the directory (pid, port, a random token; mode 0600). Later
 * processes find the lock and use the host instead of opening PGlite themselves.
 *
 * A client holds a lease for as long as it uses the host: one long-lived request the host never
 * answers. When the client closes (or dies), its socket closes and the lease ends. The host's own
 * `close` waits until every lease has ended before it closes PGlite, so a short `fb runs` never
 * pulls the store from under a long `fb run`.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import type { ResultsStore } from './store';
import { isProcessAlive } from '../process/is-alive';

/** The ResultsStore methods a client may call on the host. */
const METHODS = [
  'migrate',
  'createRun',
  'setRunStatus',
  'setRunResult',
  'mergeRunManifest',
  'setRunCost',
  'insertInvocations',
  'insertExperimentRows',
  'importRunResults',
  'listRuns',
  'getRun',
  'summarize',
  'invocationUsage',
  'instanceActivity',
  'experimentRows',
  'invocations',
] as const satisfies readonly (keyof ResultsStore)[];
type Method = (typeof METHODS)[number];

interface LockContents {
  pid: number;
  port: number;
  token: string;
}

export class StoreHostUnavailableError extends Error {
  override name = 'StoreHostUnavailableError';
}

export interface SharedStoreOptions {
  /** PGlite's data directory; the lock file is `<dataDir>.lock`. */
  dataDir: string;
  /** Opens the real store when this process becomes the host. */
  openLocal: () => Promise<ResultsStore>;
  /** Told when the host waits for other processes before closing. */
  onWait?: (clients: number) => void;
  /** How long to wait for a host that is still starting. @default 60 s */
  startWaitMs?: number;
}

/** Open the store in `dataDir`: as its host if no other process is, else as a client of that host. */
export async function openSharedStore(options: SharedStoreOptions): Promise<ResultsStore> {
  const lockPath = `${options.dataDir}.lock`;
  mkdirSync(dirname(lockPath), { recursive: true });
  const deadline = Date.now() + (options.startWaitMs ?? 60_000);
  for (;;) {
    const hosted = await tryHost(lockPath, options);
    if (hosted) return hosted;
    const lock = readLock(lockPath);
    if (lock && !isProcessAlive(lock.pid)) {
      rmSync(lockPath, { force: true }); // a host that died without cleaning up
      continue;
    }
    if (lock && lock.port > 0) {
      const client = await connectClient(lock);
      if (client) return client;
      if (!isProcessAlive(lock.pid)) continue;
    }
    if (Date.now() > deadline) throw new StoreHostUnavailableError(`another fb process (pid ${lock?.pid ?? '?'}) holds ${options.dataDir} but does not answer; if it is stuck, stop it or remove ${lockPath}`);
    await sleep(200);
  }
}

async function tryHost(lockPath: string, options: SharedStoreOptions): Promise<ResultsStore | undefined> {
  let fd: number;
  try {
    fd = openSync(lockPath, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw error;
  }
  // The lock exists but announces no port until the store is open: clients wait meanwhile.
  writeFileSync(fd, JSON.stringify({ pid: process.pid, port: 0, token: '' }));
  closeSync(fd);
  let store: ResultsStore;
  try {
    store = await options.openLocal();
  } catch (error) {
    rmSync(lockPath, { force: true });
    throw error;
  }
  const token = randomBytes(32).toString('hex');
  const leases = new Set<ServerResponse>();
  const server = serve(store, token, leases);
  server.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  writeFileSync(lockPath, JSON.stringify({ pid: process.pid, port: (server.address() as AddressInfo).port, token } satisfies LockContents), { mode: 0o600 });
  const releaseLockOnExit = () => rmSync(lockPath, { force: true });
  process.once('exit', releaseLockOnExit);

  return withClose(store, async () => {
    if (leases.size) options.onWait?.(leases.size);
    while (leases.size) await sleep(100);
    server.close();
    server.closeAllConnections();
    await store.close();
    rmSync(lockPath, { force: true });
    process.off('exit', releaseLockOnExit);
  });
}

function serve(store: ResultsStore, token: string, leases: Set<ServerResponse>): Server {
  return createServer((req, res) => {
    if (req.headers.authorization !== `Bearer ${token}`) {
      res.writeHead(401).end();
      return;
    }
    if (req.url === '/lease') {
      leases.add(res);
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('leased\n');
      res.on('close', () => leases.delete(res));
      return;
    }
    const method = req.url?.slice(1) as Method;
    if (req.method !== 'POST' || !METHODS.includes(method)) {
      res.writeHead(404).end();
      return;
    }
    handleCall(store, method, req, res).catch((error: unknown) => res.destroy(error as Error));
  });
}

async function handleCall(store: ResultsStore, method: Method, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const args = JSON.parse(Buffer.concat(chunks).toString('utf8') || '[]') as unknown[];
  let answer: { result?: unknown; error?: { name: string; message: string } };
  try {
    const result = await (store[method] as (...args: unknown[]) => Promise<unknown>).apply(store, args);
    answer = { result: result === undefined ? null : result };
  } catch (error) {
    answer = { error: { name: error instanceof Error ? error.name : 'Error', message: error instanceof Error ? error.message : String(error) } };
  }
  const text = JSON.stringify(answer);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function connectClient(lock: LockContents): Promise<ResultsStore | undefined> {
  const origin = `http://127.0.0.1:${lock.port}`;
  const headers = { authorization: `Bearer ${lock.token}` };
  const dispatcher = new Agent({ keepAliveTimeout: 10_000 });
  const lease = new AbortController();
  try {
    const answer = await request(`${origin}/lease`, { headers, dispatcher, signal: lease.signal, bodyTimeout: 0 });
    if (answer.statusCode !== 200) {
      await answer.body.dump();
      await dispatcher.close();
      return undefined;
    }
    // Keep the lease open: the body never ends while the host lives.
    answer.body.on('error', () => undefined).resume();
  } catch {
    await dispatcher.destroy().catch(() => undefined);
    return undefined;
  }
  const call = async (method: Method, args: unknown[]): Promise<unknown> => {
    const answer = await request(`${origin}/${method}`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(args), dispatcher });
    const parsed = (await answer.body.json()) as { result?: unknown; error?: { name: string; message: string } };
    if (parsed.error) {
      const error = new Error(parsed.error.message);
      error.name = parsed.error.name;
      throw error;
    }
    return parsed.result === null ? undefined : parsed.result;
  };
  const client = Object.fromEntries(METHODS.map((method) => [method, (...args: unknown[]) => call(method, args)])) as unknown as ResultsStore;
  client.close = async () => {
    lease.abort();
    await dispatcher.destroy().catch(() => undefined);
  };
  return client;
}

/** The store's methods bound to it, with another `close`. */
function withClose(store: ResultsStore, close: () => Promise<void>): ResultsStore {
  const bound = Object.fromEntries(METHODS.map((method) => [method, (store[method] as (...args: unknown[]) => unknown).bind(store)]));
  return { ...bound, close } as unknown as ResultsStore;
}

function readLock(lockPath: string): LockContents | undefined {
  try {
    return JSON.parse(readFileSync(lockPath, 'utf8')) as LockContents;
  } catch {
    return undefined; // gone, or being written
  }
}
