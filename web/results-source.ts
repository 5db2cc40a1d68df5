/**
 * What the web UI reads, and how it gets hold of a store to read it: the only view of the results
 * the app has. The edges decide what stands behind it — a long-lived store (the Lambda's Data API
 * store, a test's PGlite), or the CLI's shared embedded store, opened around each read so that a
 * long-lived `fb ui` never holds another `fb` process's store (bin/commands/ui-store.ts).
 */
import type { ResultsStore } from '../lib/results/store';

/** The ResultsStore methods the UI reads (it never writes). */
export type UiResultsStore = Pick<ResultsStore, 'listRuns' | 'getRun' | 'summarize' | 'experimentRows' | 'invocations'>;

export interface UiResultsSource {
  /** Run `work` with a store; the store is released when the returned promise settles. */
  read<T>(work: (store: UiResultsStore) => Promise<T>): Promise<T>;
}

/** A source over a store that stays open for the life of the process. */
export function storeSource(store: UiResultsStore): UiResultsSource {
  return { read: (work) => work(store) };
}
