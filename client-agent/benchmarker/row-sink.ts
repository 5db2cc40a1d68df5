import type { ResultsStore } from '../../lib/results/store';
import type { ExperimentRow, InvocationRow } from '../../lib/results/types';

/** Where the Benchmarker's rows go: the results store's bulk writers. */
export type RowWriter = Pick<ResultsStore, 'insertInvocations' | 'insertExperimentRows'>;

export class ResultsWriteError extends Error {
  override name = 'ResultsWriteError';
}

export interface RowSinkOptions {
  /** Flush once this many rows are waiting. @default 5000 */
  maxBufferedRows?: number;
  /** Flush at least this often while rows wait. @default 1000 ms */
  flushIntervalMs?: number;
}

/**
 * Buffers rows and writes them in bulk while the run goes on, so a crash loses at most the last
 * second of data rather than the whole run (the original wrote everything at the very end). A
 * write failure is kept and thrown by the next `add*` or `flush`, which fails the run loudly.
 */
export class RowSink {
  private invocations: InvocationRow[] = [];
  private experimentRows: ExperimentRow[] = [];
  private writing: Promise<void> = Promise.resolve();
  private failure: Error | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly maxBufferedRows: number;
  private readonly flushIntervalMs: number;
  /** Rows written so far. */
  written = { invocations: 0, experimentRows: 0 };

  constructor(
    private readonly writer: RowWriter,
    options: RowSinkOptions = {},
  ) {
    this.maxBufferedRows = options.maxBufferedRows ?? 5000;
    this.flushIntervalMs = options.flushIntervalMs ?? 1000;
  }

  addInvocations(rows: readonly InvocationRow[]): void {
    this.throwIfFailed();
    this.invocations.push(...rows);
    this.schedule();
  }

  addExperimentRow(row: ExperimentRow): void {
    this.throwIfFailed();
    this.experimentRows.push(row);
    this.schedule();
  }

  /** Write everything buffered; resolves once it is stored. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const invocations = this.invocations;
    const experimentRows = this.experimentRows;
    this.invocations = [];
    this.experimentRows = [];
    this.writing = this.writing.then(async () => {
      if (this.failure) return;
      try {
        if (invocations.length) await this.writer.insertInvocations(invocations);
        this.written.invocations += invocations.length;
        if (experimentRows.length) await this.writer.insertExperimentRows(experimentRows);
        this.written.experimentRows += experimentRows.length;
      } catch (error) {
        this.failure = new ResultsWriteError(`storing results failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
    });
    await this.writing;
    this.throwIfFailed();
  }

  private schedule(): void {
    if (this.invocations.length + this.experimentRows.length >= this.maxBufferedRows) {
      void this.flush().catch(() => undefined);
      return;
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush().catch(() => undefined);
    }, this.flushIntervalMs);
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }
}
