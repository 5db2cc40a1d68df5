import type { InvokeOptions, InvokerPort, TimedAnswer } from '../client-agent/benchmarker/invoker-port';
import type { ExperimentRow, InvocationRow } from '../lib/results/types';

/** A scripted invoker for Benchmarker tests: answers come from `answer(functionName, payload, index)`. */
export class FakeInvoker implements InvokerPort {
  readonly calls: { functionName: string; payload: unknown; n: number; options?: InvokeOptions }[] = [];
  readonly warmed: { functionName: string; connections: number }[] = [];
  constructor(private readonly answer: (functionName: string, payload: unknown, index: number) => TimedAnswer) {}
  async warm(functionName: string, connections: number): Promise<void> {
    this.warmed.push({ functionName, connections });
  }
  async invoke(functionName: string, payload: unknown, options?: InvokeOptions): Promise<TimedAnswer> {
    this.calls.push({ functionName, payload, n: 1, ...(options ? { options } : {}) });
    return this.answer(functionName, payload, 0);
  }
  async invokeConcurrently(functionName: string, n: number, payload: unknown, options?: InvokeOptions): Promise<TimedAnswer[]> {
    this.calls.push({ functionName, payload, n, ...(options ? { options } : {}) });
    return Array.from({ length: n }, (_, index) => this.answer(functionName, payload, index));
  }
  readonly forcedCold: string[] = [];
  async forceCold(functionName: string): Promise<void> {
    this.forcedCold.push(functionName);
  }
  async close(): Promise<void> {}
}

/** Collects what a RowSink writes. */
export class MemoryWriter {
  readonly invocations: InvocationRow[] = [];
  readonly experimentRows: ExperimentRow[] = [];
  failNext: Error | undefined;
  async insertInvocations(rows: readonly InvocationRow[]): Promise<void> {
    this.throwIfTold();
    this.invocations.push(...rows);
  }
  async insertExperimentRows(rows: readonly ExperimentRow[]): Promise<void> {
    this.throwIfTold();
    this.experimentRows.push(...rows);
  }
  private throwIfTold(): void {
    const error = this.failNext;
    this.failNext = undefined;
    if (error) throw error;
  }
}
