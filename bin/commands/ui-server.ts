/**
 * The server behind `fb ui` (./ui.ts): the results web UI (web/app.ts) on
 * http://127.0.0.1:<port>/, over the same store the other commands use (`.fb/pglite` shared
 * through its host, or FB_DATABASE_URL). Bound to the loopback address only and checking the Host
 * header; no sign-in on this machine. The store is read through CliStoreReader (./ui-store.ts), so
 * an open UI never keeps an `fb run` from finishing, and keeps working after the run has exited.
 */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { listExperiments } from '../../lib/experiment/registry';
import { createUiApp } from '../../web/app';
import { createPollingRunFeed } from '../../web/run-feed';
import { STATIC_DIR } from '../../web/static-dir';
import { resolveResultsLocation } from '../../lib/results/results-location';
import { openCliStore } from './store';
import { CliStoreReader } from './ui-store';

export class UiPortInUseError extends Error {
  override name = 'UiPortInUseError';
}

/** How often the run-change feed looks at the store while a browser listens. */
const LOCAL_POLL_INTERVAL_MS = 1000;
/** How long a store this process hosts stays open without a read. */
const HOST_IDLE_CLOSE_MS = 30_000;

export interface StartUiOptions {
  port: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  pollIntervalMs?: number;
  /** `--stage`/`--region`: read a deployed stage's results (through the Data API) instead of `.fb/`. */
  location?: { stage?: string; region?: string };
}

export interface RunningUi {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startUi(options: StartUiOptions): Promise<RunningUi> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const log = (message: string, error?: unknown) => console.error(`fb ui: ${message}${error ? `: ${error instanceof Error ? error.message : String(error)}` : ''}`);
  const reader = new CliStoreReader(
    async () => {
      let hosting = false;
      const store = await openCliStore({ env, cwd, ...options.location, onHost: () => (hosting = true) });
      // Only the embedded store is another process's to share: any other (PostgreSQL, a stage's Aurora) may stay open.
      const embedded = resolveResultsLocation({ ...options.location, results: env.FB_RESULTS, databaseUrl: env.FB_DATABASE_URL }).kind === 'embedded';
      return { store, holdable: hosting || !embedded };
    },
    HOST_IDLE_CLOSE_MS,
    log,
  );
  const feed = createPollingRunFeed({ source: reader, intervalMs: options.pollIntervalMs ?? LOCAL_POLL_INTERVAL_MS, onError: (error) => log('reading the runs failed', error) });
  let port = options.port;
  const app = createUiApp({
    results: reader,
    feed,
    auth: { mode: 'none', allowedHosts: () => [`127.0.0.1:${port}`, `localhost:${port}`] },
    staticDir: STATIC_DIR,
    experimentNames: listExperiments().map((experiment) => experiment.name),
    log,
  });
  const server = serve({ fetch: app.fetch, port: options.port, hostname: '127.0.0.1' });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new UiPortInUseError(`port ${options.port} on 127.0.0.1 is in use: stop what uses it, or choose another with fb ui --port <n>`) : error),
    );
  }).catch(async (error: unknown) => {
    feed.close();
    await reader.close();
    throw error;
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    async close() {
      feed.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Event streams never end by themselves: end them, so the server can close.
        if ('closeAllConnections' in server) server.closeAllConnections();
      });
      await reader.close();
    },
  };
}
