/**
 * A bench for dry runs: the experiment's own `run(bench, params)` against a model platform in
 * virtual time, to learn before a run how many calls it will make, how long they will run and how
 * long the run will last. Sleeps advance a virtual clock at once; calls answer at once, with the
 * latency the model gives: an instance idle longer than the model's idle timeout is gone, a call
 * that needs a new instance is cold, a function runs as long as its payload asks (sleep,
 * throughput_time, its nested calls in order) plus a little overhead. One request per instance at
 * a time, so a concurrent batch needs as many instances as calls.
 *
 * A dry run is bounded: by calls, by bench operations, by the state machine's execution timeout
 * in virtual time, and by real time. At a bound `stopped` resolves with the reason, and the bench
 * stops answering: its next operations reject with DryRunStoppedError (so a schedule on real
 * timers, such as open-loop load, stops and clears its timer), and after that they return promises
 * that never settle, so an experiment that catches every error cannot loop on. What was counted
 * until then stands.
 */
import type { AnyRecord, InvocationRecord } from '../../../lab-functions/core/records';
import type { ClockOffset, ExperimentBench, InvocationResult, InvokeOptions, VirtualClock } from '../../experiment/bench';
import type { ExperimentResult } from '../../experiment/result';
import type { DurationRounding, InvocationUsage } from '../../results/types';
import type { ModelPlatform } from './model-platform';

export interface DryRunLimits {
  /** Invocation records (nested ones included). */
  maxCalls: number;
  /** Calls of any bench method (a loop without sleeps or calls cannot hide). */
  maxBenchOperations: number;
  /** Experiment wall time in virtual seconds (time-scaled). */
  maxVirtualSeconds: number;
  /** Real time the dry run may take, ms. */
  maxRealMs: number;
}

export interface ModelBenchOptions {
  /** Experiment time × timeScale = wall time, as on the real bench. */
  timeScale: number;
  /** The functions' memory, MB. */
  memoryMb: number;
  /** How the platform rounds billed durations. */
  rounding: DurationRounding;
  limits: DryRunLimits;
  /** Real clock, for maxRealMs. @default performance.now */
  realNowMs?: () => number;
}

interface ModelInstance {
  id: string;
  calls: number;
  busyUntilMs: number;
  lastActiveMs: number;
}

/** What a dry run found. */
export interface DryRunUsage {
  /** Per function and root/nested, as the results store groups a finished run's (ResultsStore.invocationUsage). */
  invocations: InvocationUsage[];
  /** Wall time of the experiment (virtual), s. */
  wallSeconds: number;
  experimentRows: number;
  /** Why the dry run stopped early; undefined when the experiment finished. */
  stoppedBy: string | undefined;
  /**
   * Whether it stopped before the run would have (too many calls or operations, or real time: an
   * experiment that schedules on real timers, such as open-loop load, cannot be sped up), so
   * what it counted is less than the run will do. Stopping at the execution timeout is not: the
   * real run ends there too.
   */
  cutShort: boolean;
}

const EPOCH_MS = Date.UTC(2026, 0, 1);

/** Operations answered with a rejection after a stop, before the bench falls silent. */
const REJECTIONS_AFTER_STOP = 1000;

/** What the bench's operations reject with once a dry run has stopped. */
export class DryRunStoppedError extends Error {
  override name = 'DryRunStoppedError';
}

/** Reads a lab-function payload leniently: what the model needs of it. */
function payloadOf(value: unknown): { sleepS: number; workS: number; nested: { functionName: string; payload: unknown }[] } {
  const input = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  const seconds = (field: unknown) => (typeof field === 'number' && field > 0 ? field : 0);
  const nested = Array.isArray(input.invoke_nested) ? input.invoke_nested : [];
  return {
    sleepS: seconds(input.sleep),
    workS: seconds(input.throughput_time),
    nested: nested
      .filter((call): call is Record<string, unknown> => typeof call === 'object' && call !== null && typeof (call as Record<string, unknown>).function_name === 'string')
      .map((call) => ({ functionName: call.function_name as string, payload: call.invoke_payload })),
  };
}

export class ModelBench implements ExperimentBench {
  readonly runId = 'dry-run';
  readonly timeScale: number;
  clockOffset: ClockOffset | undefined;
  /** Resolves with the reason when a limit stops the dry run. */
  readonly stopped: Promise<string>;
  private stop: (reason: string) => void = () => undefined;
  private stoppedBy: string | undefined;
  private cutShort = false;
  private operationsAfterStop = 0;
  private nowMs = 0;
  /** When the last answer to a detached call comes: the run lasts at least until then. */
  private lastDetachedAnswerMs = 0;
  private operations = 0;
  private calls = 0;
  private experimentRows = 0;
  private instanceCount = 0;
  private readonly instances = new Map<string, ModelInstance[]>();
  private readonly groups = new Map<string, InvocationUsage>();
  private readonly realStartMs: number;
  private readonly realNowMs: () => number;

  constructor(
    private readonly model: ModelPlatform,
    private readonly options: ModelBenchOptions,
  ) {
    this.timeScale = options.timeScale;
    this.realNowMs = options.realNowMs ?? (() => performance.now());
    this.realStartMs = this.realNowMs();
    this.stopped = new Promise((resolve) => {
      this.stop = resolve;
    });
  }

  /** What the dry run counted so far. */
  usage(): DryRunUsage {
    // In the order the results store lists a finished run's groups: by function, roots first.
    const invocations = [...this.groups.values()].sort((a, b) => a.function_name.localeCompare(b.function_name) || Number(b.root) - Number(a.root));
    return { invocations, wallSeconds: Math.max(this.nowMs, this.lastDetachedAnswerMs) / 1000, experimentRows: this.experimentRows, stoppedBy: this.stoppedBy, cutShort: this.cutShort };
  }

  invoke(functionName: string, payload?: unknown, options?: InvokeOptions): Promise<InvocationResult> {
    return this.guarded(() => {
      const [result] = this.batch(functionName, 1, payload, options?.detached === true);
      return result as InvocationResult;
    });
  }

  invokeConcurrently(functionName: string, n: number, payload?: unknown, options?: InvokeOptions): Promise<InvocationResult[]> {
    return this.guarded(() => this.batch(functionName, n, payload, options?.detached === true));
  }

  /** Open-loop schedules run on this clock (lib/experiment/open-loop.ts): virtual, like `sleep`. */
  readonly virtualClock: VirtualClock = {
    nowMs: () => EPOCH_MS + this.nowMs,
    advanceTo: (epochMs) =>
      this.guarded(() => {
        this.nowMs = Math.max(this.nowMs, epochMs - EPOCH_MS);
      }),
  };

  forceCold(functionName: string): Promise<void> {
    return this.guarded(() => {
      this.instances.delete(functionName);
    });
  }

  sleep(ms: number): Promise<void> {
    return this.guarded(() => {
      this.nowMs += Math.max(0, ms) * this.timeScale;
    });
  }

  record(): void {
    this.experimentRows += 1;
  }

  log(): void {}

  result(_result: ExperimentResult): void {}

  /** Every bench operation counts against the limits; past one, nothing answers any more. */
  private guarded<T>(work: () => T): Promise<T> {
    this.operations += 1;
    const reason = this.stoppedBy ?? this.limitReached();
    if (reason) {
      this.stoppedBy = reason;
      this.stop(reason);
      this.operationsAfterStop += 1;
      if (this.operationsAfterStop <= REJECTIONS_AFTER_STOP) return Promise.reject(new DryRunStoppedError(`the dry run stopped at ${reason}`));
      return new Promise<T>(() => undefined);
    }
    return Promise.resolve(work());
  }

  private limitReached(): string | undefined {
    const { limits } = this.options;
    if (this.nowMs / 1000 >= limits.maxVirtualSeconds) return `${limits.maxVirtualSeconds} s of run time (the execution timeout)`;
    this.cutShort = true;
    if (this.calls >= limits.maxCalls) return `${limits.maxCalls} calls`;
    if (this.operations > limits.maxBenchOperations) return `${limits.maxBenchOperations} bench operations`;
    if (this.realNowMs() - this.realStartMs > limits.maxRealMs) return `${limits.maxRealMs} ms of dry-run time (an experiment on real timers, e.g. open-loop load, runs in real time)`;
    this.cutShort = false;
    return undefined;
  }

  /**
   * `n` calls sent together now; the clock moves on by the slowest, unless the caller does not
   * wait for them (`detached`: open-loop sends), when their answers still come at their own times
   * and the run's wall time covers the last of them.
   */
  private batch(functionName: string, n: number, payload: unknown, detached: boolean): InvocationResult[] {
    const sendMs = this.nowMs;
    const halfRttMs = this.model.networkRttMs / 2;
    const results = Array.from({ length: n }, () => {
      const { records, endMs } = this.execute(functionName, payload, 0, 'root', sendMs + halfRttMs);
      const answerMs = endMs + halfRttMs;
      return this.resultOf(records, sendMs, answerMs);
    });
    const lastAnswerMs = Math.max(sendMs, ...results.map((result) => (result.answer.endAt ?? EPOCH_MS) - EPOCH_MS));
    if (detached) this.lastDetachedAnswerMs = Math.max(this.lastDetachedAnswerMs, lastAnswerMs);
    else this.nowMs = lastAnswerMs;
    this.clockOffset = { offsetMs: 0, errorMs: halfRttMs, samples: this.calls };
    return results;
  }

  private resultOf(records: AnyRecord[], sendMs: number, answerMs: number): InvocationResult {
    const root = records[0] as InvocationRecord;
    const answer = { attempts: 1, httpStatus: 200, sendAt: EPOCH_MS + sendMs, firstByteAt: EPOCH_MS + answerMs, endAt: EPOCH_MS + answerMs, bodyText: null, classified: { status: 'ok' as const } };
    return { status: 'ok', httpStatus: 200, latencyMs: answerMs - sendMs, root, records, errorType: undefined, errorMessage: undefined, answer };
  }

  /** One function's execution starting at `startMs`, its nested calls in order. */
  private execute(functionName: string, payload: unknown, level: number, parent: string, startMs: number): { records: AnyRecord[]; endMs: number } {
    this.calls += 1;
    const instance = this.instanceFor(functionName, startMs);
    const cold = instance.calls === 0;
    instance.calls += 1;
    const identifier = `${functionName}-dry-${this.calls}`;
    const { sleepS, workS, nested } = payloadOf(payload);
    const executionStart = startMs + (cold ? this.model.coldStartMs : 0);
    let t = executionStart + this.model.executionOverheadMs + (sleepS + workS) * 1000;
    const nestedRecords: AnyRecord[] = [];
    for (const call of nested) {
      const invocationStart = t;
      const child = this.execute(call.functionName, call.payload, level + 1, identifier, invocationStart + 1);
      const [childRoot, ...rest] = child.records;
      t = child.endMs + 1;
      nestedRecords.push({ ...(childRoot as InvocationRecord), invocation_start: EPOCH_MS + invocationStart, invocation_end: EPOCH_MS + t, http_status: 200 }, ...rest);
    }
    instance.busyUntilMs = t;
    instance.lastActiveMs = t;
    this.count(functionName, level === 0, t - executionStart, cold);
    const record: InvocationRecord = {
      identifier,
      uuid: identifier,
      function_name: functionName,
      parent,
      level,
      instance_identifier: instance.id,
      platform_instance_id: null,
      instance_started_at: EPOCH_MS + executionStart,
      cold,
      instance_invocation_count: instance.calls,
      execution_start: EPOCH_MS + executionStart,
      execution_end: EPOCH_MS + t,
      cpu_time_ms: workS * 1000,
      memory_mb: this.options.memoryMb,
      function_cores: 1,
      cpu_model: 'model',
      runtime: 'model',
      platform: 'model',
      region: 'model',
      ...(sleepS ? { sleep: sleepS } : {}),
      ...(workS ? { throughput_time: workS, throughput_ops: 0, throughput_cpu_time_ms: workS * 1000, throughput_wall_time_ms: workS * 1000 } : {}),
    };
    return { records: [record, ...nestedRecords], endMs: t };
  }

  /** A warm instance free at `atMs`, or a new (cold) one; instances idle past the timeout are gone. */
  private instanceFor(functionName: string, atMs: number): ModelInstance {
    const idleLimitMs = this.model.idleTimeoutSeconds * 1000;
    const alive = (this.instances.get(functionName) ?? []).filter((instance) => instance.busyUntilMs > atMs || atMs - instance.lastActiveMs < idleLimitMs);
    this.instances.set(functionName, alive);
    const free = alive.find((instance) => instance.busyUntilMs <= atMs);
    if (free) return free;
    this.instanceCount += 1;
    const created: ModelInstance = { id: `model-instance-${this.instanceCount}`, calls: 0, busyUntilMs: atMs, lastActiveMs: atMs };
    alive.push(created);
    return created;
  }

  private count(functionName: string, root: boolean, durationMs: number, cold: boolean): void {
    const key = `${functionName}\u0000${root}`;
    const group = this.groups.get(key) ?? { function_name: functionName, memory_mb: this.options.memoryMb, root, invocations: 0, executed: 0, answered: 0, cold: 0, billed_ms: 0 };
    const { roundUpToMs, minimumMs } = this.options.rounding;
    group.invocations += 1;
    group.executed += 1;
    group.answered += root ? 1 : 0;
    group.cold += cold ? 1 : 0;
    group.billed_ms += Math.max(Math.ceil(durationMs / roundUpToMs) * roundUpToMs, minimumMs);
    this.groups.set(key, group);
  }
}
