/**
 * The runs table: what each run was and what reproduces it — status, times, result, the versions
 * and commit it ran, quick or full and its time scale, the functions' clock offset, the platform's
 * options and settings, and its cost estimate with the inputs it was worked out from — one column
 * per run. Parameters get their own table (./run-params.ts).
 */
import { formatBreakdown, formatTotal } from '../../cost/format';
import { readStoredCost } from '../../cost/stored-cost';
import type { RunRow } from '../../results/types';
import { formatElapsed } from '../table';
import { formatNumber, formatTime, formatValue } from '../format';
import type { ReportRun } from '../report-run';
import type { ReportTable } from './report-table';

type Field = [name: string, cell: (run: RunRow) => string];

const manifestValue = (key: string) => (run: RunRow) => formatValue(run.manifest[key]);

const FIELDS: readonly Field[] = [
  ['run id', (run) => run.id],
  ['experiment', (run) => run.experiment],
  ['platform', (run) => run.platform],
  ['client', (run) => run.client_platform],
  ['status', (run) => `${run.status}${run.reason ? `: ${run.reason}` : ''}`],
  ['started (UTC)', (run) => formatTime(run.started_at)],
  ['ended (UTC)', (run) => formatTime(run.ended_at)],
  ['duration', (run) => (run.ended_at ? formatElapsed(Date.parse(run.ended_at) - Date.parse(run.started_at)) : 'still running')],
  ['invocation rows', (run) => String(run.invocation_count)],
  ['result', (run) => (run.result ? `${run.result.sentence}${run.result.value === null ? '' : ` (${run.result.metric} = ${formatNumber(run.result.value)} ${run.result.unit}${run.result.granularity ? ` ± ${run.result.granularity}` : ''})`}` : '–')],
  ['fb version', manifestValue('fb_version')],
  ['commit', manifestValue('commit')],
  ['node', manifestValue('node')],
  ['quick', manifestValue('quick')],
  ['time scale', (run) => (typeof run.manifest.time_scale === 'number' ? `${run.manifest.time_scale} (real time = experiment time × this)` : formatValue(run.manifest.time_scale))],
  ['clock offset', clockCell],
  ['platform options', manifestValue('platform_options')],
  ['platform settings', manifestValue('platform_settings')],
  ['client machine', manifestValue('client')],
  ['client CPU', manifestValue('client_cpu')],
  ['cold time', manifestValue('cold_time')],
  ['forced cold starts', manifestValue('forced_cold')],
  ['partial results', manifestValue('partial_results')],
  ['cost estimate', costCell],
  ['cost items', costItemsCell],
  ['cost inputs', costInputsCell],
];

function clockCell(run: RunRow): string {
  const clock = run.manifest.clock as { offset_ms?: unknown; error_ms?: unknown; samples?: unknown } | undefined;
  if (!clock || typeof clock.offset_ms !== 'number') return '–';
  return `functions' clock ${formatNumber(clock.offset_ms)} ± ${formatNumber(typeof clock.error_ms === 'number' ? clock.error_ms : null)} ms from the client's (${formatValue(clock.samples)} samples)`;
}

function costCell(run: RunRow): string {
  const stored = readStoredCost(run);
  if (!stored) return 'not estimated yet';
  if ('error' in stored) return `not estimated (${stored.error})`;
  return formatTotal(stored.estimate);
}

function costItemsCell(run: RunRow): string {
  const stored = readStoredCost(run);
  if (!stored || 'error' in stored) return '–';
  return formatBreakdown('items', stored.estimate).slice(1).map((line) => line.trim()).join('\n') || 'nothing billed';
}

function costInputsCell(run: RunRow): string {
  const stored = readStoredCost(run);
  if (!stored || 'error' in stored) return '–';
  const { estimate } = stored;
  return [`prices of ${estimate.priceTable}, regions ${estimate.regions.aws} / ${estimate.regions.azure}`, ...Object.entries(estimate.inputs).map(([key, value]) => `${key}: ${formatValue(value)}`), ...estimate.notes, ...estimate.excluded.map((what) => `not counted: ${what}`)].join('\n');
}

export function runManifestTable(runs: readonly ReportRun[]): ReportTable {
  // A row every run leaves empty says nothing: left out.
  const fields = FIELDS.filter(([, cell]) => runs.some((run) => cell(run.run) !== '–'));
  return {
    title: 'Runs',
    headers: ['', ...runs.map((run) => run.label)],
    rows: fields.map(([name, cell]) => [name, ...runs.map((run) => cell(run.run))]),
  };
}
