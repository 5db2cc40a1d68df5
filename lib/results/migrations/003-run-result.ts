/**
 * Migration 3: `runs.result`, the experiment's headline result (lib/experiment/result.ts:
 * `{metric, value, unit, granularity?, ci?, sentence}`), null until the run's results are collected
 * or when the experiment reported none.
 */
export const sql = `
alter table runs add column result jsonb;
`;
