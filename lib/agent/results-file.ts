import { appendFile, readFile } from 'node:fs/promises';
import type { ResultsStore } from '../results/store';
import type { ExperimentRow, InvocationRow } from '../results/types';

/**
 * The agent's raw results: one JSON line per row (`{"i": InvocationRow}` or `{"e": ExperimentRow}`),
 * appended as the run goes, so a crash keeps everything written so far. The control plane's
 * CollectResults step imports the file into the results store (AWS: uploaded to S3 first). Both
 * sides of the format are here: the agent's writer (what its Benchmarker writes rows through, in
 * place of the store) and the control plane's reader.
 */
export class ResultsFileWriter implements Pick<ResultsStore, 'insertInvocations' | 'insertExperimentRows'> {
  constructor(readonly path: string) {}

  async insertInvocations(rows: readonly InvocationRow[]): Promise<void> {
    await this.append(rows, (row) => ({ i: row }));
  }

  async insertExperimentRows(rows: readonly ExperimentRow[]): Promise<void> {
    await this.append(rows, (row) => ({ e: row }));
  }

  /**
   * Serialize and append `rows` a chunk at a time: each append is awaited, so timers and answers
   * are served between chunks. Serializing a second's worth of rows at once (thousands under
   * open-loop load) would stall the agent's event loop for tens of ms, and every send planned in
   * that time would leave late.
   */
  private async append<Row>(rows: readonly Row[], wrap: (row: Row) => unknown): Promise<void> {
    for (let start = 0; start < rows.length; start += ROWS_PER_APPEND) {
      let text = '';
      const end = Math.min(rows.length, start + ROWS_PER_APPEND);
      for (let i = start; i < end; i++) text += `${JSON.stringify(wrap(rows[i] as Row))}\n`;
      await appendFile(this.path, text);
    }
  }
}

/** Rows serialized per append: about a millisecond of work on a typical row. */
const ROWS_PER_APPEND = 100;

export class ResultsFileError extends Error {
  override name = 'ResultsFileError';
}

/**
 * The rows of a results file, and what it said about its own state: `missing` when there was no
 * file at all, `tornLastLine` (its 1-based line number) when the agent died in the middle of
 * writing its last line — that row is not in `invocations`/`experimentRows`, and the importer
 * reports it rather than dropping it silently.
 */
export interface ResultsFileContents {
  invocations: InvocationRow[];
  experimentRows: ExperimentRow[];
  missing?: true;
  tornLastLine?: number;
}

/** Read a results file back; a missing file has no rows (and says so). See {@link parseResultsText}. */
export async function readResultsFile(path: string): Promise<ResultsFileContents> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { invocations: [], experimentRows: [], missing: true };
    throw error;
  }
  return parseResultsText(text, path);
}

/** Parse a results file's text; a torn last line (the agent died mid-write) is reported in `tornLastLine`, any other bad line refused. */
export function parseResultsText(text: string, source: string): ResultsFileContents {
  const lines = text.split('\n');
  const invocations: InvocationRow[] = [];
  const experimentRows: ExperimentRow[] = [];
  let tornLastLine: number | undefined;
  for (const [index, line] of lines.entries()) {
    if (!line) continue;
    let parsed: { i?: InvocationRow; e?: ExperimentRow };
    try {
      parsed = JSON.parse(line);
    } catch {
      if (index === lines.length - 1) {
        tornLastLine = index + 1;
        continue;
      }
      throw new ResultsFileError(`${source}:${index + 1}: not a JSON line`);
    }
    if (parsed.i) invocations.push(parsed.i);
    else if (parsed.e) experimentRows.push(parsed.e);
    else throw new ResultsFileError(`${source}:${index + 1}: neither an invocation nor an experiment row`);
  }
  return { invocations, experimentRows, ...(tornLastLine === undefined ? {} : { tornLastLine }) };
}
