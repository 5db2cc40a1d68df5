/**
 * The run-change feed: one watcher per server process, fanned out to every connected browser.
 *
 * Why polling, and why it is cheap: the same feed has to work over PGlite (in-process or through
 * the CLI's store host), a PostgreSQL server and Aurora's Data API, and only a real PostgreSQL
 * server has LISTEN/NOTIFY. So while at least one browser listens, the feed asks the store every
 * `intervalMs` for the runs the live page shows (the active ones and the newest `recentLimit`):
 * two indexed queries (runs_running_idx, runs_started_at_idx) per interval per process, however
 * many browsers are connected. A snapshot is passed on only when something a browser shows has
 * changed (a run appeared, its status, reason, end, row count or cost), and with no listener the
 * feed does not poll at all.
 *
 * On Lambda each function instance serves one request at a time, so a browser's event stream is
 * one streaming invocation with a feed of its own: the same code, one watcher per open page
 * there (see web/README.md for what that costs).
 */
import type { RunRow } from '../lib/results/types';
import type { UiResultsSource } from './results-source';

/** The runs the live page shows, as of `loadedAtMs`. */
export interface RunsSnapshot {
  /** Runs not yet completed or failed, newest first. */
  active: readonly RunRow[];
  /** The newest runs whatever their status, newest first. */
  recent: readonly RunRow[];
  /** Counts up by one each time the shown runs change (an event id for browsers). */
  version: number;
  loadedAtMs: number;
}

export type SnapshotListener = (snapshot: RunsSnapshot) => void;

export interface RunChangeFeed {
  /** The latest snapshot if it is younger than the poll interval, else a fresh one. */
  snapshot(): Promise<RunsSnapshot>;
  /** Call `listener` with each changed snapshot until the returned function is called. */
  subscribe(listener: SnapshotListener): () => void;
  /** Stop polling and drop every listener. */
  close(): void;
}

export interface PollingRunFeedOptions {
  source: UiResultsSource;
  /** Time between two looks at the store while someone listens. */
  intervalMs: number;
  /** How many of the newest runs the page shows besides the active ones. @default 25 */
  recentLimit?: number;
  /** Most active runs shown. @default 200 */
  activeLimit?: number;
  /** Told when a look at the store fails (the feed keeps trying). */
  onError?: (error: unknown) => void;
  now?: () => number;
}

/** What a browser sees of a run: a change in any of these is a change of the snapshot. */
function fingerprintOf(runs: readonly RunRow[]): string {
  return JSON.stringify(runs.map((run) => [run.id, run.status, run.status_history.length, run.reason, run.ended_at, run.invocation_count, run.cost_estimate]));
}

export function createPollingRunFeed(options: PollingRunFeedOptions): RunChangeFeed {
  const now = options.now ?? Date.now;
  const listeners = new Set<SnapshotListener>();
  let latest: RunsSnapshot | undefined;
  let latestFingerprint = '';
  let loading: Promise<RunsSnapshot> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const load = (): Promise<RunsSnapshot> => {
    loading ??= (async () => {
      try {
        const [active, recent] = await options.source.read((store) =>
          Promise.all([store.listRuns({ running: true, limit: options.activeLimit ?? 200 }), store.listRuns({ limit: options.recentLimit ?? 25 })]),
        );
        const fingerprint = `${fingerprintOf(active)}|${fingerprintOf(recent)}`;
        const changed = fingerprint !== latestFingerprint || latest === undefined;
        latest = { active, recent, version: changed ? (latest?.version ?? 0) + 1 : (latest?.version ?? 1), loadedAtMs: now() };
        latestFingerprint = fingerprint;
        if (changed) for (const listener of [...listeners]) listener(latest);
        return latest;
      } finally {
        loading = undefined;
      }
    })();
    return loading;
  };

  const tick = () => {
    timer = undefined;
    if (closed || !listeners.size) return;
    load()
      .catch((error: unknown) => options.onError?.(error))
      .finally(() => {
        if (!closed && listeners.size && !timer) timer = setTimeout(tick, options.intervalMs);
      });
  };

  return {
    snapshot() {
      if (latest && now() - latest.loadedAtMs < options.intervalMs) return Promise.resolve(latest);
      return load();
    },
    subscribe(listener) {
      listeners.add(listener);
      if (listeners.size === 1 && !timer && !closed) timer = setTimeout(tick, options.intervalMs);
      return () => {
        listeners.delete(listener);
        if (!listeners.size && timer) {
          clearTimeout(timer);
          timer = undefined;
        }
      };
    },
    close() {
      closed = true;
      listeners.clear();
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}
