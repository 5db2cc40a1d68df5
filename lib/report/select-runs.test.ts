import { describe, expect, it } from 'vitest';
import type { RunRow } from '../results/types';
import { NoRunsOfExperimentError, ReportOptionsError } from './errors';
import { EXPERIMENT_RUNS_SHOWN, selectReportRunIds } from './select-runs';

/** A store whose runs are these, newest first, listed as the results store does: filtered by experiment, at most `limit` (50). */
const storeOf = (experiments: string[]) => ({
  listRuns: async (options: { experiment?: string; limit?: number } = {}) =>
    experiments
      .map((experiment, index) => ({ id: `run-${index}`, experiment }) as RunRow)
      .filter((run) => options.experiment === undefined || run.experiment === options.experiment)
      .slice(0, options.limit ?? 50),
});

describe('Function: selectReportRunIds', () => {
  const store = storeOf(['a', 'b', ...Array.from({ length: 12 }, () => 'a')]);

  it('takes the ids as given', async () => {
    expect(await selectReportRunIds(store, { runIds: ['x1', 'y2'] })).toEqual(['x1', 'y2']);
  });

  it('takes an experiment’s latest run, or its newest few', async () => {
    expect(await selectReportRunIds(store, { runIds: [], experiment: 'b', latest: true })).toEqual(['run-1']);
    expect(await selectReportRunIds(store, { runIds: [], experiment: 'a', latest: true })).toEqual(['run-0']);
    const newest = await selectReportRunIds(store, { runIds: [], experiment: 'a' });
    expect(newest).toHaveLength(EXPERIMENT_RUNS_SHOWN);
    expect(newest.slice(0, 3)).toEqual(['run-0', 'run-2', 'run-3']);
  });

  it('finds an experiment whose runs are older than the 50 newest of all', async () => {
    const busy = storeOf([...Array.from({ length: 60 }, () => 'z'), 'old']);
    expect(await selectReportRunIds(busy, { runIds: [], experiment: 'old', latest: true })).toEqual(['run-60']);
  });

  it('refuses with one line: no runs named, both ids and an experiment, --latest alone, an experiment without runs', async () => {
    await expect(selectReportRunIds(store, { runIds: [] })).rejects.toThrow(ReportOptionsError);
    await expect(selectReportRunIds(store, { runIds: ['x'], experiment: 'a' })).rejects.toThrow('give run ids or --experiment, not both');
    await expect(selectReportRunIds(store, { runIds: [], latest: true })).rejects.toThrow('--latest goes with --experiment <name>');
    await expect(selectReportRunIds(store, { runIds: [], experiment: 'c' })).rejects.toThrow(NoRunsOfExperimentError);
    await expect(selectReportRunIds(store, { runIds: [], experiment: 'c' })).rejects.toThrow(/^no stored runs of c; see fb runs$/);
  });
});
