/**
 * A results store that tells an observer each time a run's status is recorded — created
 * (`starting`) or changed — and otherwise is the store it wraps. `fb run` passes it to the local
 * control plane so its progress display follows the run's phases as the step code records them,
 * without the control plane knowing anything about displays.
 */
import type { ResultsStore } from './store';
import type { RunStatus } from './types';

export interface RunStatusChange {
  runId: string;
  status: RunStatus;
  reason?: string;
  /** The run's platform, told when the run is created (`starting`). */
  platform?: string;
}

/** `store`, reporting every status it records to `onChange` after the write succeeded. */
export function reportingStatusChanges(store: ResultsStore, onChange: (change: RunStatusChange) => void): ResultsStore {
  const createRun: ResultsStore['createRun'] = async (run, options) => {
    const created = await store.createRun(run, options);
    onChange({ runId: created.id, status: created.status, platform: created.platform });
    return created;
  };
  const setRunStatus: ResultsStore['setRunStatus'] = async (runId, status, reason) => {
    await store.setRunStatus(runId, status, reason);
    onChange({ runId, status, ...(reason !== undefined ? { reason } : {}) });
  };
  return new Proxy(store, {
    get(target, property) {
      if (property === 'createRun') return createRun;
      if (property === 'setRunStatus') return setRunStatus;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
