import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { type AnyRecord, isResponseBody, type InvocationRecord, recordsOf } from '../../lab-functions/core/records';
import type { ExperimentBench, InvocationResult, InvokeOptions, TimedAnswer } from '../../lib/experiment/bench';
import { type ClockOffset, ClockOffsetEstimator } from '../../lib/experiment/clock';
import { type ExperimentResult, parseExperimentResult } from '../../lib/experiment/result';
import type { InvocationRow } from '../../lib/results/types';
import type { InvokerPort } from './invoker-port';
import type { RowSink } from './row-sink';
import { answerToRows } from './rows';

/** Running totals, for progress display. */
export interface BenchmarkerProgress {
  requests: number;
  invocationRows: number;
  errors: number;
  throttled: number;
  timeouts: number;
  cold: number;
  experimentRows: number;
  /** Cold starts forced with `forceCold`, and how many of them the next call's `cold` flag contradicted. */
  forcedCold: number;
  forceColdMismatches: number;
}

export interface BenchmarkerOptions {
  runId: string;
  invoker: InvokerPort;
  sink: RowSink;
  /** Experiment time × timeScale = real time. 1 for a full run; e.g. 0.01 for `--quick`. */
  timeScale: number;
  /** Where `log` goes. */
  onLog?: (message: string) => void;
  /** Called after every request and experiment row. */
  onProgress?: (progress: Readonly<BenchmarkerProgress>) => void;
  /** Stops `sleep` and new requests (e.g. Ctrl-C). */
  signal?: AbortSignal;
}

export class RunAbortedError extends Error {
  override name = 'RunAbortedError';
}

/**
 * The bench experiment modules program against (lib/experiment/bench.ts). Every answer — ok, throttled, timed out or failed — becomes
 * stored rows, with its batch id, size and index; an experiment cannot lose one.
 *
 * @example
 * const result = await bench.invoke('function1', { sleep: 0.1 });
 * if (result.root?.cold) bench.log(`cold start on ${result.root.instance_identifier}`);
 * await bench.sleep(60_000); // one experiment minute; 0.6 s with --quick's time scale of 0.01
 */
export class Benchmarker implements ExperimentBench {
  readonly progress: BenchmarkerProgress = { requests: 0, invocationRows: 0, errors: 0, throttled: 0, timeouts: 0, cold: 0, experimentRows: 0, forcedCold: 0, forceColdMismatches: 0 };
  /** Functions forced cold whose next call has not been checked yet. */
  private readonly awaitingCold = new Set<string>();
  private seq = 0;
  private readonly clock = new ClockOffsetEstimator();
  private reported: ExperimentResult | undefined;
  private experimentSeq = new Map<string, number>();

  constructor(private readonly options: BenchmarkerOptions) {}

  get runId(): string {
    return this.options.runId;
  }

  /** Experiment time × timeScale = real time. */
  get timeScale(): number {
    return this.options.timeScale;
  }

  /**
   * One request; resolves with its result once the answer is read (and its rows are queued for
   * storage). Many may be in flight at once; `options.timeoutMs` bounds this one (stored as
   * `timeout` past it).
   */
  async invoke(functionName: string, payload: unknown = {}, options?: InvokeOptions): Promise<InvocationResult> {
    this.throwIfAborted();
    const answer = await this.options.invoker.invoke(functionName, payload, options);
    return this.store(functionName, [answer])[0] as InvocationResult;
  }

  /**
   * `n` requests with the same payload, released together over warm connections. Results are in
   * request order; each is stored with this batch's id, `n` and its index.
   */
  async invokeConcurrently(functionName: string, n: number, payload: unknown = {}, options?: InvokeOptions): Promise<InvocationResult[]> {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`invokeConcurrently needs a positive integer count, got ${n}`);
    this.throwIfAborted();
    await this.options.invoker.warm(functionName, n);
    const answers = await this.options.invoker.invokeConcurrently(functionName, n, payload, options);
    return this.store(functionName, answers);
  }

  async forceCold(functionName: string): Promise<void> {
    this.throwIfAborted();
    await this.options.invoker.forceCold(functionName);
    this.progress.forcedCold += 1;
    this.awaitingCold.add(functionName);
  }

  /** Sleep `ms` of experiment time, i.e. `ms × timeScale` of real time. Ends early (throwing) on abort. */
  async sleep(ms: number): Promise<void> {
    this.throwIfAborted();
    const realMs = Math.max(0, ms * this.options.timeScale);
    try {
      await sleep(realMs, undefined, { signal: this.options.signal });
    } catch (error) {
      if (this.options.signal?.aborted) throw new RunAbortedError('run aborted');
      throw error;
    }
  }

  /** Store an experiment-specific row in `experiment_rows` under `table`. */
  record(table: string, row: Record<string, unknown>): void {
    if (!/^[a-z][a-z0-9_]{0,62}$/.test(table)) throw new RangeError(`table name "${table}" must be snake_case (a-z, 0-9, _)`);
    const seq = this.experimentSeq.get(table) ?? 0;
    this.experimentSeq.set(table, seq + 1);
    this.options.sink.addExperimentRow({ run_id: this.options.runId, table_name: table, seq, data: row });
    this.progress.experimentRows += 1;
    this.options.onProgress?.(this.progress);
  }

  get clockOffset(): ClockOffset | undefined {
    return this.clock.estimate;
  }

  /** The run's headline result, as last reported (undefined if the experiment reported none). */
  get headline(): ExperimentResult | undefined {
    return this.reported;
  }

  result(result: ExperimentResult): void {
    this.reported = parseExperimentResult(result);
    this.log(`result: ${this.reported.sentence}`);
  }

  log(...parts: unknown[]): void {
    this.options.onLog?.(parts.map((part) => (typeof part === 'string' ? part : JSON.stringify(part))).join(' '));
  }

  /**
   * A function forced cold is checked at its next call: called directly (the root record, or the
   * failed call itself), or reached through a nested call (its first record in the answer's tree).
   */
  private checkForcedCold(calledFunction: string, result: InvocationResult): void {
    for (const awaited of [...this.awaitingCold]) {
      const record = result.records.find((candidate): candidate is InvocationRecord => isInvocationRecord(candidate) && isRecordOf(candidate.function_name, awaited));
      if (awaited !== calledFunction && !record) continue;
      this.awaitingCold.delete(awaited);
      if (record?.cold === true) continue;
      this.progress.forceColdMismatches += 1;
      const how = awaited === calledFunction ? 'its next call' : `its next call (nested, from ${calledFunction})`;
      this.log(`forced cold start of ${awaited} not confirmed: ${how} was ${record ? 'warm' : result.status}`);
    }
  }

  private store(functionName: string, answers: TimedAnswer[]): InvocationResult[] {
    const batchId = randomUUID();
    const rows: InvocationRow[] = [];
    const results = answers.map((answer, batchIndex) => {
      const answerRows = answerToRows(answer, { runId: this.options.runId, functionName, batchId, batchSize: answers.length, batchIndex });
      for (const row of answerRows) rows.push({ ...row, seq: this.seq++ });
      const result = toResult(answer);
      if (batchIndex === 0) this.checkForcedCold(functionName, result);
      if (result.status === 'ok' && result.root && answer.sendAt !== null && answer.endAt !== null) {
        this.clock.add(answer.sendAt, result.root.execution_start, result.root.execution_end, answer.endAt);
      }
      return result;
    });
    this.options.sink.addInvocations(rows);
    this.count(rows, answers.length);
    return results;
  }

  private count(rows: InvocationRow[], requests: number): void {
    const progress = this.progress;
    progress.requests += requests;
    progress.invocationRows += rows.length;
    for (const row of rows) {
      if (row.status === 'error') progress.errors += 1;
      else if (row.status === 'throttled') progress.throttled += 1;
      else if (row.status === 'timeout') progress.timeouts += 1;
      if (row.cold) progress.cold += 1;
    }
    this.options.onProgress?.(progress);
  }

  private throwIfAborted(): void {
    if (this.options.signal?.aborted) throw new RunAbortedError('run aborted');
  }
}

function toResult(answer: TimedAnswer): InvocationResult {
  const body = answer.classified.body;
  const hasRecords = isResponseBody(body);
  const records = hasRecords ? recordsOf(body) : [];
  const root = hasRecords ? (body[body.root_identifier] as InvocationRecord) : undefined;
  return {
    status: answer.classified.status,
    httpStatus: answer.httpStatus,
    latencyMs: answer.sendAt !== null && answer.endAt !== null ? answer.endAt - answer.sendAt : null,
    root,
    records: root ? [root, ...records.filter((record) => record !== root)] : records,
    errorType: answer.classified.errorType,
    errorMessage: answer.classified.errorMessage,
    answer,
  };
}

/** A record with instance fields (not a nested call's error record). */
function isInvocationRecord(record: AnyRecord): record is InvocationRecord {
  return typeof (record as Partial<InvocationRecord>).cold === 'boolean';
}

/** Whether a record's `function_name` (maybe with a per-run prefix, `fb-1a2b3c4d-function2`) is `functionName`. */
function isRecordOf(recordName: string, functionName: string): boolean {
  return recordName === functionName || recordName.endsWith(`-${functionName}`);
}
