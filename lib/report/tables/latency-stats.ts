/**
 * The latency table: per function, its calls, cold-start frequency and, for cold and warm calls,
 * the median, p90 and p99 with their distribution-free confidence intervals and the trimmed mean
 * (lib/stats/run-stats.ts), one column per run so runs compare side by side.
 */
import type { FunctionStats, GroupStats, RunStats } from '../../stats/run-stats';
import { formatNumber, formatProportion, formatQuantile } from '../format';
import type { ReportRun } from '../report-run';
import type { ReportTable } from './report-table';

type FunctionFigures = Omit<FunctionStats, 'function_name'>;

const TOTAL = 'all functions';

function figuresOf(stats: RunStats, functionName: string): FunctionFigures | undefined {
  if (functionName === TOTAL) return stats.total;
  return stats.functions.find((candidate) => candidate.function_name === functionName);
}

function callsCell(group: GroupStats): string {
  const { invocations, ok, errors, throttled, timeouts } = group.counts;
  const failed = [errors ? `${errors} errors` : '', throttled ? `${throttled} throttled` : '', timeouts ? `${timeouts} timeouts` : ''].filter(Boolean);
  return `${invocations} (${ok} ok${failed.length ? `, ${failed.join(', ')}` : ''})`;
}

export function latencyStatsTable(runs: readonly ReportRun[]): ReportTable | undefined {
  if (!runs.some((run) => run.stats.total.all.counts.invocations > 0)) return undefined;
  const functionNames = [...new Set(runs.flatMap((run) => run.stats.functions.map((figures) => figures.function_name)))].sort();
  if (functionNames.length > 1) functionNames.push(TOTAL);
  const confidence = runs[0]?.stats.confidence ?? 0.95;
  const trim = runs[0]?.stats.trim_fraction ?? 0.2;
  const rows: string[][] = [];
  const line = (functionName: string, calls: string, figure: string, cell: (figures: FunctionFigures) => string) => {
    rows.push([functionName, calls, figure, ...runs.map((run) => {
      const figures = figuresOf(run.stats, functionName);
      return figures ? cell(figures) : '–';
    })]);
  };
  for (const functionName of functionNames) {
    line(functionName, 'all', 'calls', (figures) => callsCell(figures.all));
    line(functionName, 'all', 'cold-start frequency', (figures) => formatProportion(figures.cold_frequency));
    for (const group of ['warm', 'cold'] as const) {
      const has = runs.some((run) => (figuresOf(run.stats, functionName)?.[group].latency.n ?? 0) > 0);
      if (!has) continue;
      line(functionName, group, 'ok calls with a latency (n)', (figures) => String(figures[group].latency.n));
      line(functionName, group, 'median', (figures) => formatQuantile(figures[group].latency.median));
      line(functionName, group, 'p90', (figures) => formatQuantile(figures[group].latency.p90));
      line(functionName, group, 'p99', (figures) => formatQuantile(figures[group].latency.p99));
      line(functionName, group, `trimmed mean (${Math.round(trim * 100)} % each end)`, (figures) => (figures[group].latency.trimmed_mean_ms === null ? '–' : `${formatNumber(figures[group].latency.trimmed_mean_ms)} ms`));
    }
  }
  return {
    title: 'Latency with confidence intervals',
    headers: ['function', 'calls', 'figure', ...runs.map((run) => run.label)],
    rows,
    note: `Latency of ok calls (client round trip; the caller's timing for nested calls). Brackets: ${Math.round(confidence * 100)} % distribution-free intervals from order statistics; the cold-start frequency's is Clopper–Pearson. Cold and warm by each record's own flag.`,
  };
}
