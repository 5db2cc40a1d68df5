import { performance } from 'node:perf_hooks';
import type { ExperimentBench, InvocationResult, InvokeOptions, VirtualClock } from './bench';
import { type OpenLoopCall, type OpenLoopStepReport, type OpenLoopStepSummary, stepReport, summaryOf } from './open-loop-report';

export type { OpenLoopStepReport, OpenLoopStepSummary, Spread } from './open-loop-report';

/**
 * Open-loop load: calls go out at planned times, and no answer — slow, late or never — delays
 * the next send. The original submitted each call to a 50-thread pool and polled the futures for
 * 10 s at the end, dropping whatever had not answered; here every call is issued through the bench
 * without awaiting, and every call issued ends as a stored row: an answer, or `timeout` once its
 * step's end plus `drainTimeoutMs` has passed (the bench's per-call `timeoutMs`).
 *
 * A schedule is a list of steps run back to back; each step has a length (experiment ms) and its
 * sends (offsets from the step's start, experiment ms). Planned send times are absolute: real time
 * = start + experiment time × `bench.timeScale`, so sends never drift, and one that is late does
 * not push back the ones after it. One timer wakes at the next planned send and issues every send
 * that is due; the answers come back on their own. Each step is reported once all its calls have
 * settled, in step order, with its planned and issued counts and its schedule error (the call's
 * actual send time, `answer.sendAt`, minus its planned time). Whatever holds a call back after the
 * scheduler has issued it is in that error: a connection being opened, or every one of the
 * invoker's connections to the origin (256) busy with a call still unanswered.
 *
 * On a bench in virtual time (`bench.virtualClock`, the cost estimate's dry run) the same schedule
 * runs on that clock instead of the process's timers, and its calls are sent `detached`, so the
 * clock follows the schedule rather than the answers: hours of load are dry-run in milliseconds.
 *
 * @example
 * const steps = [{ durationMs: 1000, sends: [0, 250, 500, 750].map((offsetMs) => ({ offsetMs, functionName: 'function1' })) }];
 * await runOpenLoop(bench, steps, { drainTimeoutMs: 10_000, onStepSettled: (report) => bench.record('load', { calls: report.issuedCalls }) });
 */
export interface OpenLoopSend {
  /** When, in experiment ms from the start of its step: from 0 to the step's length (inclusive, so a step of length 0 can hold a burst). */
  offsetMs: number;
  functionName: string;
  payload?: unknown;
  /** Calls released together: one `invoke` when 1, one `invokeConcurrently` batch when more. @default 1 */
  calls?: number;
}

export interface OpenLoopStep {
  /** The step's length in experiment ms; the next step starts when it ends. */
  durationMs: number;
  sends: readonly OpenLoopSend[];
}

export interface OpenLoopOptions {
  /**
   * How long after the planned end of its step a call may still be answered, in real ms (not
   * scaled: it bounds the platform, not the schedule). Past it the call is stored as `timeout`.
   */
  drainTimeoutMs: number;
  /** Called once per step, in step order, when every call of the step has settled. A throw stops the schedule. */
  onStepSettled?: (report: OpenLoopStepReport) => void;
}

export class InvalidScheduleError extends Error {
  override name = 'InvalidScheduleError';
}

/** Longest delay setTimeout honours. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Epoch ms with sub-ms precision, on the same clock as the invoker's `sendAt`. */
export function epochNowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** When the scheduler wakes next: a process timer, or a virtual clock's advance. */
interface ScheduleClock {
  nowMs(): number;
  /** Call `wake` at `epochMs` (or `fail` if the clock cannot get there); returns a cancel. */
  wakeAt(epochMs: number, wake: () => void, fail: (error: unknown) => void): () => void;
}

const PROCESS_CLOCK: ScheduleClock = {
  nowMs: epochNowMs,
  wakeAt(epochMs, wake) {
    // Capped at the longest delay a timer honours; the wake then finds nothing due and re-arms.
    const timer = setTimeout(wake, Math.min(MAX_TIMER_MS, Math.max(0, epochMs - epochNowMs())));
    return () => clearTimeout(timer);
  },
};

function virtualScheduleClock(clock: VirtualClock): ScheduleClock {
  return {
    nowMs: () => clock.nowMs(),
    wakeAt(epochMs, wake, fail) {
      let cancelled = false;
      clock.advanceTo(epochMs).then(
        () => {
          if (!cancelled) wake();
        },
        (error: unknown) => {
          if (!cancelled) fail(error);
        },
      );
      return () => {
        cancelled = true;
      };
    },
  };
}

interface PlannedSend {
  step: number;
  plannedAt: number;
  functionName: string;
  payload: unknown;
  calls: number;
}

interface StepState {
  plannedStartAt: number;
  plannedEndAt: number;
  plannedCalls: number;
  /** Sends of this step not issued yet. */
  unissued: number;
  issuedCalls: number;
  maxInFlightCalls: number;
  calls: OpenLoopCall[];
  pending: Promise<void>[];
  /** Resolved when the scheduler is done with the step: all its sends issued, or the schedule stopped. */
  issued: Promise<void>;
  markIssued: () => void;
}

/**
 * Run `steps` open loop through `bench`; resolves with one summary per step (in order) once every
 * call has settled and every report was handed to `onStepSettled`. Rejects (after everything
 * issued has settled) if the bench refused a call — e.g. the run was aborted — or a report
 * callback threw; the schedule stops at the first such failure.
 */
export async function runOpenLoop(bench: ExperimentBench, steps: readonly OpenLoopStep[], options: OpenLoopOptions): Promise<OpenLoopStepSummary[]> {
  validate(steps, options);
  const clock = bench.virtualClock ? virtualScheduleClock(bench.virtualClock) : PROCESS_CLOCK;
  const startAt = clock.nowMs();
  const states: StepState[] = [];
  const queue: PlannedSend[] = [];
  let stepStartMs = 0;
  for (const [index, step] of steps.entries()) {
    const plannedStartAt = startAt + stepStartMs * bench.timeScale;
    const plannedEndAt = startAt + (stepStartMs + step.durationMs) * bench.timeScale;
    let markIssued = () => {};
    const issued = new Promise<void>((resolve) => {
      markIssued = resolve;
    });
    const sends = [...step.sends].sort((a, b) => a.offsetMs - b.offsetMs);
    const state: StepState = { plannedStartAt, plannedEndAt, plannedCalls: 0, unissued: sends.length, issuedCalls: 0, maxInFlightCalls: 0, calls: [], pending: [], issued, markIssued };
    for (const send of sends) {
      const calls = send.calls ?? 1;
      state.plannedCalls += calls;
      queue.push({ step: index, plannedAt: startAt + (stepStartMs + send.offsetMs) * bench.timeScale, functionName: send.functionName, payload: send.payload ?? {}, calls });
    }
    if (!sends.length) markIssued();
    states.push(state);
    stepStartMs += step.durationMs;
  }

  let next = 0;
  let inFlightCalls = 0;
  let cancelWake: (() => void) | undefined;
  let failure: { error: unknown } | undefined;

  const stop = (error: unknown) => {
    failure ??= { error };
    cancelWake?.();
    next = queue.length;
    for (const state of states) state.markIssued();
  };

  const issue = (send: PlannedSend) => {
    const state = states[send.step] as StepState;
    const issuedAt = clock.nowMs();
    // Whole ms: the deadline is the step's planned end plus the drain time, to the millisecond.
    const timeoutMs = Math.min(MAX_TIMER_MS, Math.max(1, Math.round(state.plannedEndAt + options.drainTimeoutMs - issuedAt)));
    inFlightCalls += send.calls;
    state.issuedCalls += send.calls;
    state.maxInFlightCalls = Math.max(state.maxInFlightCalls, inFlightCalls);
    state.pending.push(
      invokeSend(bench, send, { timeoutMs, detached: true }).then(
        (settled) => {
          inFlightCalls -= send.calls;
          for (const result of settled) state.calls.push({ result, plannedAt: send.plannedAt, issuedAt, batchSize: send.calls });
        },
        (error: unknown) => {
          // The bench refused the call (the run was aborted, or a bad function or payload): nothing was sent or stored.
          inFlightCalls -= send.calls;
          state.issuedCalls -= send.calls;
          stop(error);
        },
      ),
    );
    state.unissued -= 1;
    if (state.unissued === 0) state.markIssued();
  };

  // One wake-up, armed for the next planned send; each wake issues everything due, never awaiting an answer.
  const tick = () => {
    cancelWake = undefined;
    while (next < queue.length && (queue[next] as PlannedSend).plannedAt <= clock.nowMs()) issue(queue[next++] as PlannedSend);
    if (next < queue.length) cancelWake = clock.wakeAt((queue[next] as PlannedSend).plannedAt, tick, stop);
  };
  tick();

  const summaries: OpenLoopStepSummary[] = [];
  let reporting = true;
  for (const [index, state] of states.entries()) {
    await state.issued;
    await Promise.all(state.pending);
    // After a failure, steps that never started are not reported; those that did are, as far as they got.
    if (failure && state.issuedCalls === 0) continue;
    const report = stepReport(index, state);
    summaries.push(summaryOf(report));
    // The step's answers are the report's now: a long schedule keeps none of them once reported.
    state.calls = [];
    state.pending = [];
    if (!reporting) continue;
    try {
      options.onStepSettled?.(report);
    } catch (error) {
      reporting = false;
      stop(error);
    }
  }
  if (failure) throw failure.error;
  return summaries;
}

/** One send through the bench: a single call, or a batch; a synchronous throw becomes a rejection. */
async function invokeSend(bench: ExperimentBench, send: PlannedSend, options: InvokeOptions): Promise<InvocationResult[]> {
  if (send.calls === 1) return [await bench.invoke(send.functionName, send.payload, options)];
  return bench.invokeConcurrently(send.functionName, send.calls, send.payload, options);
}

function validate(steps: readonly OpenLoopStep[], options: OpenLoopOptions): void {
  if (!(options.drainTimeoutMs >= 0) || options.drainTimeoutMs > MAX_TIMER_MS) throw new InvalidScheduleError(`drainTimeoutMs must be from 0 to ${MAX_TIMER_MS} ms, got ${options.drainTimeoutMs}`);
  for (const [index, step] of steps.entries()) {
    if (!(step.durationMs >= 0) || !Number.isFinite(step.durationMs)) throw new InvalidScheduleError(`step ${index}: durationMs must be a finite number ≥ 0, got ${step.durationMs}`);
    for (const send of step.sends) {
      if (!(send.offsetMs >= 0 && send.offsetMs <= step.durationMs)) throw new InvalidScheduleError(`step ${index}: a send at ${send.offsetMs} ms lies outside the step (0 to ${step.durationMs} ms)`);
      const calls = send.calls ?? 1;
      if (!Number.isInteger(calls) || calls < 1) throw new InvalidScheduleError(`step ${index}: a send's calls must be a positive integer, got ${calls}`);
    }
  }
}
