/**
 * The open-loop scheduler against a scripted bench: sends leave on schedule however long answers
 * take, each call's deadline is its step's end plus the drain time, steps are reported in order
 * once settled, and a refused call stops the schedule without losing what was issued.
 */
import { describe, expect, it } from 'vitest';
import type { ExperimentBench, InvocationResult, InvokeOptions, TimedAnswer } from './bench';
import { epochNowMs, InvalidScheduleError, type OpenLoopStep, type OpenLoopStepReport, runOpenLoop } from './open-loop';

interface SeenCall {
  functionName: string;
  n: number;
  payload: unknown;
  options: InvokeOptions | undefined;
  /** When the bench was called, epoch ms. */
  at: number;
}

/**
 * A bench whose answers take `answerAfterMs(index)` real ms (or end as `timeout` at the call's
 * own timeoutMs if that comes first). `sendAt` is when the bench was called plus `sendDelayMs`.
 */
function scriptedBench(options: { timeScale?: number; answerAfterMs?: (index: number) => number; sendDelayMs?: number; refuse?: (index: number) => Error | undefined } = {}) {
  const seen: SeenCall[] = [];
  let calls = 0;
  const answer = (at: number, options: InvokeOptions | undefined): Promise<InvocationResult> => {
    const index = calls++;
    const afterMs = scripted.answerAfterMs(index);
    const timeoutMs = options?.timeoutMs ?? Number.POSITIVE_INFINITY;
    const timedOut = timeoutMs < afterMs;
    const sendAt = at + scripted.sendDelayMs;
    const timed: TimedAnswer = {
      attempts: 1,
      httpStatus: timedOut ? null : 200,
      sendAt,
      firstByteAt: null,
      endAt: null,
      bodyText: null,
      classified: timedOut ? { status: 'timeout', errorType: 'ClientTimeout' } : { status: 'ok' },
    };
    const result: InvocationResult = { status: timed.classified.status, httpStatus: timed.httpStatus, latencyMs: null, root: undefined, records: [], errorType: undefined, errorMessage: undefined, answer: timed };
    return new Promise((resolve) => setTimeout(() => resolve(result), Math.min(afterMs, timeoutMs)));
  };
  const scripted = { answerAfterMs: options.answerAfterMs ?? (() => 0), sendDelayMs: options.sendDelayMs ?? 0 };
  let refused = 0;
  const bench: ExperimentBench = {
    runId: 'run-1',
    timeScale: options.timeScale ?? 1,
    clockOffset: undefined,
    async invoke(functionName, payload, invokeOptions) {
      const at = epochNowMs();
      const refusal = options.refuse?.(seen.length + refused);
      if (refusal) {
        refused += 1;
        throw refusal;
      }
      seen.push({ functionName, n: 1, payload, options: invokeOptions, at });
      return answer(at, invokeOptions);
    },
    async invokeConcurrently(functionName, n, payload, invokeOptions) {
      const at = epochNowMs();
      seen.push({ functionName, n, payload, options: invokeOptions, at });
      return Promise.all(Array.from({ length: n }, () => answer(at, invokeOptions)));
    },
    forceCold: async () => {},
    sleep: async () => {},
    record: () => {},
    log: () => {},
    result: () => {},
  };
  return { bench, seen };
}

const evenly = (count: number, everyMs: number, functionName = 'function1') => Array.from({ length: count }, (_, i) => ({ offsetMs: i * everyMs, functionName }));

describe('runOpenLoop', () => {
  it('sends every call on schedule while no answer has come back yet', async () => {
    // Each answer takes 1.5 s; the 40 sends span 400 ms. A scheduler that waited for answers would need a minute.
    const { bench, seen } = scriptedBench({ answerAfterMs: () => 1500 });
    const started = epochNowMs();
    const reports: OpenLoopStepReport[] = [];
    const summaries = await runOpenLoop(bench, [{ durationMs: 400, sends: evenly(40, 10) }], { drainTimeoutMs: 5000, onStepSettled: (report) => reports.push(report) });
    expect(seen).toHaveLength(40);
    // The last send went out long before the first answer could have come back.
    expect((seen[39] as SeenCall).at - started).toBeLessThan(1000);
    for (const [i, call] of seen.entries()) expect(call.at).toBeGreaterThanOrEqual(started + i * 10 - 1);
    expect(summaries).toHaveLength(1);
    expect(summaries[0]).toMatchObject({ step: 0, plannedCalls: 40, issuedCalls: 40, sentCalls: 40, sentInWindowCalls: expect.any(Number), statusCalls: { ok: 40, error: 0, timeout: 0, throttled: 0 } });
    // Every call was in flight at once at the end: none had answered.
    expect(summaries[0]?.maxInFlightCalls).toBe(40);
    expect(summaries[0]?.issueLagMs?.maxMs).toBeLessThan(300);
    expect(reports[0]?.calls).toHaveLength(40);
    expect(summaries[0]).not.toHaveProperty('calls');
  });

  it("gives each call until its step's planned end plus drainTimeoutMs, and stores the late ones as timeouts", async () => {
    // Step 0 (300 ms): its calls answer after 100 ms, except the last, which takes 2 s; drain 200 ms.
    const { bench, seen } = scriptedBench({ answerAfterMs: (i) => (i === 2 ? 2000 : 100) });
    const started = epochNowMs();
    const steps: OpenLoopStep[] = [
      { durationMs: 300, sends: evenly(3, 100) },
      { durationMs: 200, sends: evenly(2, 100) },
    ];
    const summaries = await runOpenLoop(bench, steps, { drainTimeoutMs: 200 });
    const elapsed = epochNowMs() - started;
    const stepEnds = [started + 300, started + 500];
    for (const [i, call] of seen.entries()) {
      const deadline = (call.at + (call.options?.timeoutMs as number)) as number;
      expect(Math.abs(deadline - ((stepEnds[i < 3 ? 0 : 1] as number) + 200))).toBeLessThan(5);
    }
    expect(summaries.map((summary) => summary.statusCalls)).toEqual([
      { ok: 2, error: 0, timeout: 1, throttled: 0 },
      { ok: 2, error: 0, timeout: 0, throttled: 0 },
    ]);
    // It returned once the slow call's deadline passed, not after its 2 s answer.
    expect(elapsed).toBeLessThan(1500);
  });

  it('reports the steps in order once settled, counts batches by their calls, and measures the schedule error from sendAt', async () => {
    // The first step's answers are slow, the burst's fast: the burst's report still comes second.
    const { bench, seen } = scriptedBench({ answerAfterMs: (i) => (i < 2 ? 400 : 10), sendDelayMs: 7 });
    const order: number[] = [];
    const steps: OpenLoopStep[] = [
      { durationMs: 100, sends: [{ offsetMs: 50, functionName: 'function2', payload: { sleep: 1 } }, { offsetMs: 0, functionName: 'function1' }] },
      { durationMs: 0, sends: [{ offsetMs: 0, functionName: 'function3', calls: 5, payload: { throughput_time: 0.1 } }] },
    ];
    const summaries = await runOpenLoop(bench, steps, { drainTimeoutMs: 5000, onStepSettled: (report) => order.push(report.step) });
    expect(order).toEqual([0, 1]);
    // Sends go out sorted by their offset; a batch is one invokeConcurrently.
    expect(seen.map((call) => [call.functionName, call.n, call.payload])).toEqual([
      ['function1', 1, {}],
      ['function2', 1, { sleep: 1 }],
      ['function3', 5, { throughput_time: 0.1 }],
    ]);
    expect(summaries[1]).toMatchObject({ plannedCalls: 5, issuedCalls: 5, sentCalls: 5, sentInWindowCalls: null });
    for (const summary of summaries) {
      // sendAt is 7 ms after the bench was called, which is at or a little after the plan.
      expect(summary.scheduleErrorMs?.medianMs).toBeGreaterThanOrEqual(7 - 1);
      expect(summary.scheduleErrorMs?.medianMs).toBeLessThan(7 + 200);
      expect((summary.scheduleErrorMs?.medianMs as number) - (summary.issueLagMs?.medianMs as number)).toBeCloseTo(7, 0);
    }
  });

  it('scales planned times by the bench time scale', async () => {
    const { bench, seen } = scriptedBench({ timeScale: 0.01 });
    const started = epochNowMs();
    // 20 s of experiment time: 200 ms of real time.
    await runOpenLoop(bench, [{ durationMs: 20_000, sends: evenly(5, 4000) }], { drainTimeoutMs: 1000 });
    expect(seen).toHaveLength(5);
    expect((seen[4] as SeenCall).at - started).toBeGreaterThanOrEqual(160 - 1);
    expect((seen[4] as SeenCall).at - started).toBeLessThan(1000);
  });

  it('stops at a refused call, lets everything issued settle, reports the steps that started and rejects with the refusal', async () => {
    class RefusedError extends Error {
      override name = 'RefusedError';
    }
    const { bench, seen } = scriptedBench({ answerAfterMs: () => 150, refuse: (i) => (i === 3 ? new RefusedError('aborted') : undefined) });
    const reports: OpenLoopStepReport[] = [];
    const steps: OpenLoopStep[] = [
      { durationMs: 100, sends: evenly(2, 50) },
      { durationMs: 100, sends: evenly(4, 25) },
      { durationMs: 100, sends: evenly(4, 25) },
    ];
    await expect(runOpenLoop(bench, steps, { drainTimeoutMs: 1000, onStepSettled: (report) => reports.push(report) })).rejects.toThrow(RefusedError);
    // Calls 0–2 were issued and answered; the fourth was refused; nothing after it was sent.
    expect(seen).toHaveLength(3);
    expect(reports.map((report) => [report.step, report.plannedCalls, report.issuedCalls, report.statusCalls.ok])).toEqual([
      [0, 2, 2, 2],
      [1, 4, 1, 1],
    ]);
  });

  it('stops the schedule when a step report callback throws, and rejects with its error', async () => {
    const { bench, seen } = scriptedBench();
    const steps: OpenLoopStep[] = [
      { durationMs: 50, sends: evenly(1, 0) },
      { durationMs: 1000, sends: evenly(10, 100) },
    ];
    await expect(
      runOpenLoop(bench, steps, {
        drainTimeoutMs: 100,
        onStepSettled: () => {
          throw new RangeError('bad row');
        },
      }),
    ).rejects.toThrow('bad row');
    expect(seen.length).toBeLessThan(11);
  });

  it('refuses a send outside its step, a bad batch size and a negative drain time', async () => {
    const { bench } = scriptedBench();
    await expect(runOpenLoop(bench, [{ durationMs: 10, sends: [{ offsetMs: 11, functionName: 'function1' }] }], { drainTimeoutMs: 0 })).rejects.toThrow(InvalidScheduleError);
    await expect(runOpenLoop(bench, [{ durationMs: 10, sends: [{ offsetMs: 0, functionName: 'function1', calls: 0 }] }], { drainTimeoutMs: 0 })).rejects.toThrow(/positive integer/);
    await expect(runOpenLoop(bench, [], { drainTimeoutMs: -1 })).rejects.toThrow(/drainTimeoutMs/);
  });
});
