import type { ExperimentResult } from '../../lib/experiment/result';
import type { Command } from 'commander';
import type { ResultsStore } from '../../lib/results/store';
import type { FunctionSummary, InvocationRow, RunRow } from '../../lib/results/types';
import { formatStoredCost } from '../../lib/cost/format';
import { formatElapsed, formatTable } from '../../lib/report/table';
import { latencyMsOf } from '../../lib/stats/invocation-latency';
import { type RunStats, summarizeRunInvocations } from '../../lib/stats/run-stats';
import { percentileCont } from '../../lib/stats/summary';
import { join } from 'node:path';
import { failAbandonedLocalRuns } from '../../lib/control-plane/abandoned-runs';
import { releaseRun } from '../../lib/control-plane/release-run';
import { type CliStoreOptions, withStore } from './store';

export class RunNotFoundError extends Error {
  override name = 'RunNotFoundError';
}

/** `--stage` and `--region`, shared by every command that reads results (fb runs, fb show, …). */
export const STAGE_OPTION = ['--stage <name>', "read a deployed stage's results database (Aurora, through the RDS Data API) instead of the local store; FB_RESULTS=stage:<name> does the same"] as const;
export const REGION_OPTION = ['--region <region>', "with --stage: the region of the stage's stacks (default: the AWS SDK's, e.g. AWS_REGION)"] as const;

/** The options of {@link STAGE_OPTION} and {@link REGION_OPTION}, as commander parses them. */
export interface StoreOptions {
  stage?: string;
  region?: string;
}

/** Where a command's results are: its --stage/--region, for withStore. */
export function storeOptions(options: StoreOptions): CliStoreOptions {
  return { ...(options.stage !== undefined ? { stage: options.stage } : {}), ...(options.region !== undefined ? { region: options.region } : {}) };
}

/** `fb runs`, `fb show`. */
export function registerRunCommands(program: Command): void {
  program
    .command('runs')
    .description('list stored runs, newest first')
    .option('--running', 'only runs that have not completed or failed')
    .option('--limit <n>', 'at most this many', (value) => Number.parseInt(value, 10), 50)
    .option('--json', 'print JSON')
    .option('--release <run-id>', 'end an active run stuck holding its experiment\'s lock: mark it failed (needs --reason)')
    .option('--reason <text>', 'why the run is released (kept in its status history)')
    .option(...STAGE_OPTION)
    .option(...REGION_OPTION)
    .action(async (options: StoreOptions & { running?: boolean; limit: number; json?: boolean; release?: string; reason?: string }) => {
      const at = storeOptions(options);
      if (options.release !== undefined) {
        const released = await withStore((store) => releaseRun(store, options.release as string, options.reason), at);
        const { run } = released;
        console.log(`released run ${run.id} (${run.experiment} on ${run.platform}, was ${released.previousStatus}): failed, "${released.reason}"`);
        if (run.platform !== 'local') console.log(`what it made on ${run.platform} is not removed by this: its execution's cleanup or the sweeper does that`);
        return;
      }
      const runs = await withStore(async (store) => {
        // Runs whose fb process was killed are found here, failed, their plans removed and their rows kept.
        if (at.stage === undefined) reportAbandoned(await failAbandonedLocalRuns(store, { runsDir: localRunsDir() }));
        return store.listRuns({ running: options.running, limit: options.limit });
      }, at);
      if (options.json) {
        console.log(JSON.stringify(runs, null, 2));
        return;
      }
      if (!runs.length) {
        console.log(options.running ? 'no running runs' : 'no runs yet: try  npx fb run coldstart-identifier --quick');
        return;
      }
      console.log(
        formatTable(
          ['run', 'experiment', 'platform', 'status', 'started', 'duration', 'invocations', 'result'],
          runs.map((run) => [
            run.id.slice(0, 8),
            run.experiment,
            run.platform,
            run.status,
            run.started_at.replace('T', ' ').slice(0, 19),
            duration(run),
            run.invocation_count,
            run.result?.value === null || run.result === null ? '' : `${run.result.value} ${run.result.unit}`,
          ]),
        ),
      );
    });

  program
    .command('show')
    .description('show one run: its parameters, status history, per-function summary and experiment rows')
    .argument('<run-id>', 'a run id, or a unique prefix of at least 6 characters')
    .option('--json', 'print JSON: { run, summary, rows }')
    .option(...STAGE_OPTION)
    .option(...REGION_OPTION)
    .action(async (runId: string, options: StoreOptions & { json?: boolean }) => {
      const shown = await withStore((store) => loadRun(store, runId), storeOptions(options));
      if (options.json) console.log(JSON.stringify(shown, null, 2));
      else printRun(shown);
    });
}

/** Where local runs keep their plan and results files. */
export function localRunsDir(cwd = process.cwd()): string {
  return join(cwd, '.fb', 'runs');
}

/** One stderr line per abandoned run found and failed. */
export function reportAbandoned(runIds: readonly string[]): void {
  for (const runId of runIds) console.error(`run ${runId} was abandoned (its fb process is gone): marked failed, its plan removed, the rows its agent wrote kept`);
}

export interface ShownRun {
  run: Pick<
    RunRow,
    'id' | 'experiment' | 'platform' | 'client_platform' | 'status' | 'status_history' | 'reason' | 'started_at' | 'ended_at' | 'params' | 'manifest' | 'invocation_count' | 'cost_estimate' | 'result'
  >;
  summary: RunTotals & { functions: FunctionSummary[] };
  /** Per function and cold/warm: quantiles with their confidence intervals, cold-start frequency (lib/stats/run-stats.ts). */
  stats: RunStats;
  rows: Record<string, Record<string, unknown>[]>;
}

/** The per-function figures, over the whole run. */
export type RunTotals = Omit<FunctionSummary, 'function_name'>;

export async function loadRun(store: ResultsStore, runId: string): Promise<ShownRun> {
  const run = await store.getRun(runId);
  if (!run) throw new RunNotFoundError(`no run ${runId}; see fb runs`);
  const [functions, rows, invocations] = await Promise.all([store.summarize(run.id), store.experimentRows(run.id), store.invocations(run.id)]);
  const { id, experiment, platform, client_platform, status, status_history, reason, started_at, ended_at, params, manifest, invocation_count, cost_estimate, result } = run;
  return {
    run: { id, experiment, platform, client_platform, status, status_history, reason, started_at, ended_at, params, manifest, invocation_count, cost_estimate, result },
    summary: { ...totals(invocations), functions },
    stats: summarizeRunInvocations(invocations),
    rows,
  };
}

/** Totals over every invocation of a run; latency as in the per-function summary (ok rows only). */
export function totals(invocations: readonly InvocationRow[]): RunTotals {
  const latencies: number[] = [];
  for (const row of invocations) {
    if (row.status !== 'ok') continue;
    const latency = latencyMsOf(row);
    if (latency !== null) latencies.push(latency);
  }
  const percentile = (p: number) => (latencies.length ? percentileCont(latencies, p) : null);
  return {
    invocations: invocations.length,
    errors: invocations.filter((row) => row.status === 'error').length,
    throttled: invocations.filter((row) => row.status === 'throttled').length,
    timeouts: invocations.filter((row) => row.status === 'timeout').length,
    cold: invocations.filter((row) => row.cold === true).length,
    latency_p50_ms: percentile(0.5),
    latency_p90_ms: percentile(0.9),
    latency_p99_ms: percentile(0.99),
  };
}

/** The per-function table `fb run` ends with. */
export function printSummary(summary: readonly FunctionSummary[]): void {
  if (!summary.length) {
    console.log('no invocations');
    return;
  }
  console.log(
    formatTable(
      ['function', 'invocations', 'errors', 'throttled', 'timeouts', 'cold', 'p50 ms', 'p90 ms', 'p99 ms'],
      summary.map((s) => [s.function_name, s.invocations, s.errors, s.throttled, s.timeouts, s.cold, s.latency_p50_ms, s.latency_p90_ms, s.latency_p99_ms]),
    ),
  );
}

function printRun({ run, summary, rows }: ShownRun): void {
  console.log(`run ${run.id}`);
  console.log(`experiment ${run.experiment} on ${run.platform} (client ${run.client_platform}): ${run.status}${run.reason ? ` — ${run.reason}` : ''}`);
  console.log(`started ${run.started_at}${run.ended_at ? `, ended ${run.ended_at} (${duration(run)})` : ''}`);
  console.log(`status: ${run.status_history.map((change) => `${change.status} ${change.at.slice(11, 19)}`).join(' → ')}`);
  console.log(`params: ${JSON.stringify(run.params)}`);
  if (run.result) console.log(`result: ${formatResult(run.result)}`);
  const cost = formatStoredCost(run);
  if (cost) console.log(`cost: ${cost}`);
  console.log(`\n${summary.invocations} invocations, ${summary.errors} errors, ${summary.throttled} throttled, ${summary.timeouts} timeouts, ${summary.cold} cold`);
  printSummary(summary.functions);
  for (const [table, tableRows] of Object.entries(rows)) {
    console.log(`\n${table} (${tableRows.length} rows)`);
    const columns = [...new Set(tableRows.flatMap((row) => Object.keys(row)))].filter((column) => !/identifier$/.test(column));
    console.log(formatTable(columns, tableRows.map((row) => columns.map((column) => cellOf(row[column])))));
  }
}

function cellOf(value: unknown): string | number | boolean | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'string') return value;
  return JSON.stringify(value);
}

function duration(run: Pick<RunRow, 'started_at' | 'ended_at'>): string {
  const end = run.ended_at ? Date.parse(run.ended_at) : Date.now();
  return formatElapsed(end - Date.parse(run.started_at));
}

/** One line for a headline result: its sentence, then the value with its unit and resolution. */
export function formatResult(result: ExperimentResult): string {
  const value = result.value === null ? 'no value' : `${result.metric} = ${result.value} ${result.unit}`;
  const resolution = result.granularity !== undefined ? ` ± ${result.granularity} ${result.unit}` : '';
  const ci = result.ci ? `, CI [${result.ci[0]}, ${result.ci[1]}] ${result.unit}` : '';
  return `${result.sentence} (${value}${resolution}${ci})`;
}
