/**
 * The sweeper's sources on this machine (`fb sweep` without `--stage`):
 * - abandoned local runs: runs of this host still marked active whose `fb` process is gone
 *   (lib/control-plane/abandoned-runs.ts); removal fails the run, removes its plan and stores
 *   what its agent had written, marked partial;
 * - stale plan files: `<runId>.plan.json` in the runs folder (`.fb/runs`) of a run that is final
 *   (completed or failed) — a plan holds the run's callback secret; a plan of a run still
 *   active is kept, and so is one whose run the store does not know (it may be another store's).
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { failAbandonedLocalRun, findAbandonedLocalRuns } from '../control-plane/abandoned-runs';
import type { ResultsStore } from '../results/store';
import type { SweepSource } from './sweep';

const PLAN_FILE = /^(.+)\.plan\.json$/;
const FINAL = new Set(['completed', 'failed']);

/** Runs of this host whose process is gone. */
export function abandonedLocalRuns(store: ResultsStore, runsDir: string): SweepSource {
  return {
    kind: 'local-run',
    async list() {
      const runs = await findAbandonedLocalRuns(store);
      return runs.map((run) => ({ kind: 'local-run' as const, id: run.id, runId: run.id, remove: true, why: `abandoned: process ${String((run.manifest as { pid?: unknown }).pid)} is gone` }));
    },
    async remove(item) {
      const run = await store.getRun(item.id);
      if (run) await failAbandonedLocalRun(store, run, runsDir);
    },
  };
}

/** Plan files of final runs in `runsDir`. */
export function stalePlanFiles(store: Pick<ResultsStore, 'getRun'>, runsDir: string): SweepSource {
  return {
    kind: 'plan-file',
    async list() {
      let names: string[];
      try {
        names = readdirSync(runsDir);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw error;
      }
      const items = [];
      for (const name of names.sort()) {
        const runId = PLAN_FILE.exec(name)?.[1];
        if (!runId) continue;
        const run = await store.getRun(runId);
        const base = { kind: 'plan-file' as const, id: join(runsDir, name), runId };
        if (!run || run.id !== runId) items.push({ ...base, remove: false, why: 'its run is not in this store' });
        else if (FINAL.has(run.status)) items.push({ ...base, remove: true, why: `its run is ${run.status}` });
        else items.push({ ...base, remove: false, why: `its run is ${run.status}` });
      }
      return items;
    },
    async remove(item) {
      rmSync(item.id, { force: true });
    },
  };
}
