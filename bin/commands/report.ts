/**
 * `fb report`: a report of stored runs — one self-contained HTML file (charts as inline SVG, no
 * script, opens offline), or a Markdown summary with its charts as SVG files beside it. Which runs:
 * the ids given, or `--experiment <name>` (its newest runs, or with `--latest` its latest one).
 * Over more than one run, progress goes to stderr (a bar with an ETA on a terminal, plain lines
 * otherwise).
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { ReportOptionsError } from '../../lib/report/errors';
import { loadReportRuns } from '../../lib/report/load-runs';
import { ReportProgress } from '../../lib/report/report-progress';
import type { ReportRun } from '../../lib/report/report-run';
import { checkRunSelection, selectReportRunIds } from '../../lib/report/select-runs';
import { formatElapsed } from '../../lib/report/table';
import { REPORT_FORMATS, type ReportFormat, writeReport } from '../../lib/report/write-report';
import type { ResultsStore } from '../../lib/results/store';
import { type DisplayStream, ProgressDisplay } from '../../lib/suite/progress-display';
import { FB_VERSION } from '../../lib/version';
import { REGION_OPTION, STAGE_OPTION, storeOptions } from './runs';
import { withStore } from './store';

const optionsSchema = z.object({
  experiment: z.string().min(1).optional(),
  latest: z.boolean().optional(),
  out: z.string().min(1).optional(),
  format: z.string().optional(),
  stage: z.string().optional(),
  region: z.string().optional(),
});

type ReportOptions = z.infer<typeof optionsSchema>;

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description('write a report of stored runs: one self-contained HTML file with charts and tables, or Markdown with the charts as SVG files')
    .argument('[run-ids...]', 'run ids, or unique prefixes of at least 6 characters')
    .option('--experiment <name>', 'the runs of this experiment (its newest 10)')
    .option('--latest', 'with --experiment: only its latest run')
    .option('--out <file>', 'the report file (default: report.<format>)')
    .option('--format <format>', 'html or md (default: md when --out ends in .md, else html)')
    .option(...STAGE_OPTION)
    .option(...REGION_OPTION)
    .action(async (runIds: string[], raw: unknown) => {
      const options = optionsSchema.parse(raw);
      const format = formatOf(options);
      checkRunSelection({ runIds, experiment: options.experiment, latest: options.latest });
      const out = resolve(options.out ?? `report.${format}`);
      const runs = await withStore((store) => loadSelectedRuns(store, runIds, options, process.stderr), storeOptions(options));
      const written = writeReport(runs, { format, out, generatedAt: new Date(), fbVersion: FB_VERSION });
      const experiments = [...new Set(runs.map((run) => run.run.experiment))];
      console.log(`wrote ${written.file}: ${runs.length} run${runs.length === 1 ? '' : 's'} of ${experiments.join(', ')}, ${written.charts} chart${written.charts === 1 ? '' : 's'}`);
      if (written.chartFiles.length) console.log(`charts in ${resolve(written.chartFiles[0] as string, '..')}`);
    });
}

/** The format asked for, or the one `--out`'s extension says; a one-line error for any other. */
export function formatOf(options: Pick<ReportOptions, 'format' | 'out'>): ReportFormat {
  if (options.format === undefined) return options.out?.toLowerCase().endsWith('.md') ? 'md' : 'html';
  if (!(REPORT_FORMATS as readonly string[]).includes(options.format)) throw new ReportOptionsError(`--format must be ${REPORT_FORMATS.join(' or ')}, got ${options.format}`);
  return options.format as ReportFormat;
}

/** The selected runs, loaded, with progress on `stream` when there is more than one. */
async function loadSelectedRuns(store: ResultsStore, runIds: readonly string[], options: ReportOptions, stream: DisplayStream): Promise<ReportRun[]> {
  const ids = await selectReportRunIds(store, { runIds, experiment: options.experiment, latest: options.latest });
  let progress: ReportProgress | undefined;
  let display: ProgressDisplay | undefined;
  const started: number[] = [];
  try {
    return await loadReportRuns(store, ids, {
      onRunsFound: (runs) => {
        if (runs.length < 2) return;
        const current = new ReportProgress(runs.map((run) => ({ label: `${run.experiment} ${run.id.slice(0, 8)}`, rows: run.invocation_count })));
        progress = current;
        display = new ProgressDisplay({ stream, snapshot: () => current.snapshot() });
        display.start();
      },
      onRunStart: (index) => {
        started[index] = Date.now();
        progress?.start(index);
      },
      onRunLoaded: (index, run) => {
        progress?.end(index);
        display?.event(`loaded ${run.run.id.slice(0, 8)} (${run.run.experiment} on ${run.run.platform}, ${run.invocations.length} invocation rows) in ${formatElapsed(Date.now() - (started[index] ?? Date.now()))}  ${progress?.bar() ?? ''}`.trimEnd());
      },
    });
  } finally {
    display?.stop();
  }
}
