/**
 * How a long-lived `fb ui` reads the CLI's store without ever standing in another `fb` process's
 * way (lib/results/store-host.ts: the first process to open `.fb/pglite` hosts it, later ones are
 * its clients, and a host's close waits for every client's lease):
 *
 * - When `fb ui` is a client (an `fb run` hosts the store), it opens its client connection for
 *   each read and closes it as soon as no read is in flight. Between reads it holds no lease, so
 *   the run's process closes the store and exits when it is done; the next read then finds no
 *   host and `fb ui` becomes the host itself.
 * - When `fb ui` is the host (or the store is a PostgreSQL server), it keeps the store open while
 *   it is being used and closes it after `holdIdleMs` without a read. An `fb run` started
 *   meanwhile is its client; the run exits when it is done, and `fb ui` goes on serving. If the
 *   UI's idle close has to wait for a running client, reads meanwhile go through that same host.
 *
 * A read whose client connection breaks (the host went away mid-read) is retried once on a fresh
 * connection.
 */
import type { ResultsStore } from '../../lib/results/store';
import type { UiResultsSource, UiResultsStore } from '../../web/results-source';

export interface OpenedStore {
  store: ResultsStore;
  /** True when holding the store open keeps no other process waiting (this process hosts it). */
  holdable: boolean;
}

interface Handle {
  opening: Promise<OpenedStore>;
  opened: OpenedStore | undefined;
  users: number;
  broken: boolean;
  idleTimer: NodeJS.Timeout | undefined;
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_DESTROYED']);

/** Whether `error` says the store host's connection broke (rather than the store refusing something). */
export function isConnectionError(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 4; current = current.cause, depth++) {
    if (CONNECTION_CODES.has(String((current as NodeJS.ErrnoException).code))) return true;
  }
  return false;
}

export class CliStoreReader implements UiResultsSource {
  private current: Handle | undefined;
  private readonly closing = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly open: () => Promise<OpenedStore>,
    private readonly holdIdleMs: number,
    private readonly log: (message: string, error?: unknown) => void = () => undefined,
  ) {}

  async read<T>(work: (store: UiResultsStore) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const handle = this.acquire();
      let broken = false;
      try {
        const opened = await handle.opening;
        return await work(opened.store);
      } catch (error) {
        broken = handle.opened === undefined || isConnectionError(error);
        if (attempt === 1 && handle.opened && !handle.opened.holdable && isConnectionError(error)) continue;
        throw error;
      } finally {
        this.release(handle, broken);
      }
    }
  }

  /** Close the store once the reads in flight are done. */
  async close(): Promise<void> {
    this.closed = true;
    const handle = this.current;
    if (handle && handle.users === 0) this.retire(handle);
    const deadline = Date.now() + 10_000;
    while (this.current && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    await Promise.all([...this.closing]);
  }

  private acquire(): Handle {
    if (this.closed) throw new Error('the UI is stopping');
    const current = this.current;
    if (current && !current.broken) {
      current.users++;
      if (current.idleTimer) clearTimeout(current.idleTimer);
      current.idleTimer = undefined;
      return current;
    }
    const handle: Handle = { opening: this.open(), opened: undefined, users: 1, broken: false, idleTimer: undefined };
    handle.opening.then(
      (opened) => {
        handle.opened = opened;
      },
      () => {
        handle.broken = true;
      },
    );
    this.current = handle;
    return handle;
  }

  private release(handle: Handle, broken: boolean): void {
    handle.users--;
    if (broken) handle.broken = true;
    if (handle.users > 0) return;
    if (handle.broken || this.closed || !handle.opened?.holdable) {
      this.retire(handle);
      return;
    }
    handle.idleTimer = setTimeout(() => this.retire(handle), this.holdIdleMs);
    handle.idleTimer.unref();
  }

  private retire(handle: Handle): void {
    if (this.current === handle) this.current = undefined;
    if (handle.idleTimer) clearTimeout(handle.idleTimer);
    const closing = handle.opening
      .then((opened) => opened.store.close())
      .catch((error: unknown) => {
        if (handle.opened) this.log('closing the results store failed', error);
      })
      .finally(() => this.closing.delete(closing));
    this.closing.add(closing);
  }
}
