/**
 * `/api/events`: the server-sent event stream of the live page. Each connection subscribes to the
 * process's one run-change feed and gets an `event: runs` whenever the shown runs change (first
 * the current snapshot), carrying the re-rendered live fragment and each shown run's status. The
 * fragment is rendered once per snapshot, however many browsers listen.
 *
 * A comment line every `heartbeatMs` keeps proxies (CloudFront reads with a 30-60 s timeout) from
 * closing an idle stream; a stream ends after `maxStreamMs` (below the Lambda's timeout when
 * deployed) and the browser's EventSource reconnects by itself after `retryMs`.
 */
import type { Context, Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { UiEnv } from '../hono-env';
import { renderLiveRuns } from '../pages/now-page';
import type { RunChangeFeed, RunsSnapshot } from '../run-feed';

export interface EventStreamOptions {
  feed: RunChangeFeed;
  heartbeatMs: number;
  maxStreamMs: number;
  retryMs: number;
  /** How long this request may still run, if it is bounded (Lambda: the invocation's remaining time). */
  remainingTimeMs?: (c: Context) => number | undefined;
  now: () => number;
  log: (message: string, error?: unknown) => void;
}

const STREAM_DEADLINE_MARGIN_MS = 5_000;

/** What a browser receives for one snapshot. */
export interface RunsEvent {
  version: number;
  html: string;
  runs: { id: string; status: string; ended_at: string | null; reason: string | null }[];
}

export function registerEventRoutes(app: Hono<UiEnv>, options: EventStreamOptions): void {
  const rendered = new WeakMap<RunsSnapshot, string>();
  const eventOf = (snapshot: RunsSnapshot): string => {
    let data = rendered.get(snapshot);
    if (data === undefined) {
      const runs = new Map([...snapshot.active, ...snapshot.recent].map((run) => [run.id, { id: run.id, status: run.status, ended_at: run.ended_at, reason: run.reason }]));
      data = JSON.stringify({ version: snapshot.version, html: renderLiveRuns(snapshot, options.now()).value, runs: [...runs.values()] } satisfies RunsEvent);
      rendered.set(snapshot, data);
    }
    return data;
  };

  app.get('/api/events', (c) => {
    const remainingMs = options.remainingTimeMs?.(c);
    // End the stream a little before the request's own deadline, so the browser reconnects cleanly.
    const streamMs = remainingMs === undefined ? options.maxStreamMs : Math.max(0, Math.min(options.maxStreamMs, remainingMs - STREAM_DEADLINE_MARGIN_MS));
    return streamSSE(c, async (stream) => {
      let lastVersion = 0;
      let writing = Promise.resolve();
      const send = (snapshot: RunsSnapshot) => {
        writing = writing
          .then(async () => {
            if (snapshot.version <= lastVersion || stream.aborted) return;
            lastVersion = snapshot.version;
            await stream.writeSSE({ event: 'runs', id: String(snapshot.version), data: eventOf(snapshot) });
          })
          .catch(() => undefined);
      };
      const unsubscribe = options.feed.subscribe(send);
      stream.onAbort(unsubscribe);
      try {
        await stream.write(`retry: ${options.retryMs}\n\n`);
        try {
          send(await options.feed.snapshot());
        } catch (error) {
          options.log('live updates: the first look at the store failed', error);
          await stream.writeSSE({ event: 'problem', data: 'the results store cannot be read right now; retrying' });
        }
        const endAt = Date.now() + streamMs;
        while (!stream.aborted && !stream.closed && Date.now() < endAt) {
          await stream.sleep(Math.min(options.heartbeatMs, Math.max(0, endAt - Date.now())));
          if (!stream.aborted) await stream.write(': keep-alive\n\n');
        }
      } finally {
        unsubscribe();
        await writing;
      }
    });
  });
}
