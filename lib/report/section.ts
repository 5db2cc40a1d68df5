/**
 * One section of a report: the runs of one experiment with the charts of its kind and its tables,
 * as data. The HTML (./run-section.ts) and Markdown (./markdown-report.ts) renderers turn it into
 * text; neither decides what is shown.
 */
import type { ChartSpec } from './charts/chart';
import { type ReportKind, reportKindOf } from './kinds';
import type { ReportRun } from './report-run';
import { sectionCharts } from './section-charts';
import { devChecksTable } from './tables/dev-checks';
import { experimentRowTables } from './tables/experiment-rows';
import { latencyStatsTable } from './tables/latency-stats';
import type { ReportTable } from './tables/report-table';
import { runManifestTable } from './tables/run-manifest';
import { runParamsTable } from './tables/run-params';
import { statusHistoryTable } from './tables/status-history';

export interface ReportSection {
  experiment: string;
  kind: ReportKind;
  runs: readonly ReportRun[];
  charts: ChartSpec[];
  /** Runs, parameters, latency and the kind's own tables: compared side by side, a column per run. */
  comparisonTables: ReportTable[];
  /** Each run's status history and experiment rows. */
  perRunTables: { run: ReportRun; tables: ReportTable[] }[];
}

export class MixedExperimentsError extends Error {
  override name = 'MixedExperimentsError';
}

/** The section of `runs`, which must all be runs of one experiment. */
export function buildSection(runs: readonly ReportRun[]): ReportSection {
  const experiment = runs[0]?.run.experiment;
  if (experiment === undefined) throw new RangeError('a report section needs at least one run');
  const others = runs.filter((run) => run.run.experiment !== experiment);
  if (others.length) throw new MixedExperimentsError(`a section shows one experiment's runs: ${experiment}, not also ${[...new Set(others.map((run) => run.run.experiment))].join(', ')}`);
  const kind = reportKindOf(experiment);
  const optional = [runParamsTable(runs), latencyStatsTable(runs), devChecksTable(runs)].filter((table): table is ReportTable => table !== undefined);
  return {
    experiment,
    kind,
    runs,
    charts: sectionCharts(kind, runs),
    comparisonTables: [runManifestTable(runs), ...optional],
    perRunTables: runs.map((run) => ({ run, tables: [statusHistoryTable(run), ...experimentRowTables(run)] })),
  };
}

/** Runs grouped by experiment, in the order each experiment first appears. */
export function groupByExperiment(runs: readonly ReportRun[]): ReportRun[][] {
  const groups = new Map<string, ReportRun[]>();
  for (const run of runs) groups.set(run.run.experiment, [...(groups.get(run.run.experiment) ?? []), run]);
  return [...groups.values()];
}
