/**
 * The run-change feed: one watcher per process however many browsers listen, passing on only
 * real changes, and idle when nobody listens.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, test } from 'vitest';
import type { RunRow } from '../lib/results/types';
import type { UiResultsStore } from './results-source';
import { createPollingRunFeed, type RunsSnapshot } from './run-feed';

function runRow(id: string, status: RunRow['status']): RunRow {
  return {
    id,
    experiment: 'dev-experiment',
    platform: 'local',
    client_platform: 'local',
    status,
    status_history: [{ status, at: '2026-12-05T10:00:00.000Z' }],
    reason: null,
    started_at: '2026-12-05T10:00:00.000Z',
    ended_at: null,
    params: {},
    manifest: {},
    execution_id: null,
    invocation_count: 0,
    cost_estimate: null,
    result: null,
  };
}

/** A source whose runs the test changes, counting every look at the store. */
function countingSource() {
  const state = { runs: [runRow('r1', 'running')], reads: 0, listCalls: 0 };
  const store = {
    listRuns: async (options?: { running?: boolean }) => {
      state.listCalls++;
      return options?.running ? state.runs.filter((run) => run.status !== 'completed' && run.status !== 'failed') : state.runs;
    },
  } as unknown as UiResultsStore;
  const read = async <T>(work: (store: UiResultsStore) => Promise<T>) => {
    state.reads++;
    return work(store);
  };
  return { state, source: { read } };
}

const until = async (condition: () => boolean, timeoutMs = 5000) => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(5);
  }
};

describe('createPollingRunFeed', () => {
  test('many listeners share one look at the store per interval, and hear only changes', async () => {
    const { state, source } = countingSource();
    const feed = createPollingRunFeed({ source, intervalMs: 20 });
    const heard: RunsSnapshot[][] = Array.from({ length: 25 }, () => []);
    const unsubscribes = heard.map((list) => feed.subscribe((snapshot) => list.push(snapshot)));
    await until(() => state.reads >= 5);
    // Two queries (active runs, recent runs) in one read per look, not one per listener.
    expect(state.listCalls).toBe(2 * state.reads);
    expect(heard.every((list) => list.length === 1)).toBe(true);
    expect(heard[0]?.[0]?.active.map((run) => run.id)).toEqual(['r1']);

    state.runs = [runRow('r1', 'completed')];
    await until(() => (heard[0]?.length ?? 0) >= 2);
    await until(() => heard.every((list) => list.length === 2));
    const changed = heard[0]?.[1];
    expect(changed?.version).toBe((heard[0]?.[0]?.version ?? 0) + 1);
    expect(changed?.active).toEqual([]);
    expect(changed?.recent.map((run) => run.status)).toEqual(['completed']);
    const readsAfterChange = state.reads;
    await until(() => state.reads >= readsAfterChange + 3);
    expect(heard.every((list) => list.length === 2)).toBe(true);

    for (const unsubscribe of unsubscribes) unsubscribe();
    const readsWhenAlone = state.reads;
    await sleep(100);
    expect(state.reads).toBeLessThanOrEqual(readsWhenAlone + 1);
    feed.close();
  });

  test('snapshot() answers from the last look while it is fresh, and one load serves concurrent callers', async () => {
    const { state, source } = countingSource();
    const feed = createPollingRunFeed({ source, intervalMs: 60_000 });
    const [a, b, c] = await Promise.all([feed.snapshot(), feed.snapshot(), feed.snapshot()]);
    expect(state.reads).toBe(1);
    expect(a).toBe(b);
    expect(b).toBe(c);
    expect(await feed.snapshot()).toBe(a);
    expect(state.reads).toBe(1);
    feed.close();
  });

  test('a failing look is reported and the feed keeps watching', async () => {
    const { state, source } = countingSource();
    let failing = true;
    const errors: unknown[] = [];
    const feed = createPollingRunFeed({
      source: { read: (work) => (failing ? Promise.reject(new Error('store down')) : source.read(work)) },
      intervalMs: 10,
      onError: (error) => errors.push(error),
    });
    const heard: RunsSnapshot[] = [];
    feed.subscribe((snapshot) => heard.push(snapshot));
    await until(() => errors.length >= 2);
    failing = false;
    await until(() => heard.length === 1);
    expect(heard[0]?.active.map((run) => run.id)).toEqual(['r1']);
    expect(state.reads).toBeGreaterThan(0);
    feed.close();
  });
});
