import { describe, expect, it } from 'vitest';
import { type DryRunLimits, ModelBench } from './model-bench';
import { dryRunExperiment } from './dry-run';
import type { ModelPlatform } from './model-platform';

const MODEL: ModelPlatform = { idleTimeoutSeconds: 100, coldStartMs: 400, networkRttMs: 20, executionOverheadMs: 2, functionsSetupSeconds: 0, clientSetupSeconds: 0, clientWindDownSeconds: 0 };
const LIMITS: DryRunLimits = { maxCalls: 1000, maxBenchOperations: 10_000, maxVirtualSeconds: 1e9, maxRealMs: 10_000 };
const bench = (overrides: Partial<DryRunLimits> = {}, timeScale = 1) => new ModelBench(MODEL, { timeScale, memoryMb: 1024, rounding: { roundUpToMs: 1, minimumMs: 1 }, limits: { ...LIMITS, ...overrides } });

describe('Class: ModelBench', () => {
  it('answers cold on a new instance, warm within the idle timeout, cold again after it', async () => {
    const model = bench();
    const first = await model.invoke('function1', { sleep: 0.1 });
    const second = await model.invoke('function1');
    await model.sleep(99_000);
    const third = await model.invoke('function1');
    await model.sleep(100_000);
    const fourth = await model.invoke('function1');
    expect([first, second, third, fourth].map((result) => result.root?.cold)).toEqual([true, false, false, true]);
    expect(first.latencyMs).toBeCloseTo(20 + 400 + 2 + 100, 9);
    expect(second.latencyMs).toBeCloseTo(20 + 2, 9);
    expect(first.root?.instance_identifier).toBe(third.root?.instance_identifier);
    expect(fourth.root?.instance_identifier).not.toBe(third.root?.instance_identifier);
    expect(model.usage().wallSeconds).toBeCloseTo((522 + 22 + 99_000 + 22 + 100_000 + 422) / 1000, 9);
  });

  it('scales sleeps by the time scale, and a concurrent batch needs one instance per call', async () => {
    const model = bench({}, 0.01);
    await model.sleep(300_000);
    expect(model.usage().wallSeconds).toBeCloseTo(3, 9);
    const batch = await model.invokeConcurrently('function1', 8);
    expect(new Set(batch.map((result) => result.root?.instance_identifier)).size).toBe(8);
    expect(batch.every((result) => result.root?.cold)).toBe(true);
    const again = await model.invokeConcurrently('function1', 8);
    expect(again.filter((result) => result.root?.cold)).toHaveLength(0);
    await model.forceCold('function1');
    expect((await model.invoke('function1')).root?.cold).toBe(true);
  });

  it('runs nested calls in order inside the caller and counts every record, rounded as billed', async () => {
    const model = bench();
    const answer = await model.invoke('function1', { invoke_nested: [{ function_name: 'function2', invoke_payload: { sleep: 0.05 } }, { function_name: 'function3' }] });
    expect(answer.records.map((record) => [record.function_name, record.level, record.parent === answer.root?.identifier || record.level === 0])).toEqual([
      ['function1', 0, true],
      ['function2', 1, true],
      ['function3', 1, true],
    ]);
    const usage = model.usage().invocations;
    expect(usage.map((group) => [group.function_name, group.root, group.invocations, group.answered, group.cold])).toEqual([
      ['function1', true, 1, 1, 1],
      ['function2', false, 1, 0, 1],
      ['function3', false, 1, 0, 1],
    ]);
    // function2: cold start, then 2 + 50 ms of execution; its caller waits for both nested calls.
    expect(usage[1]?.billed_ms).toBe(52);
    expect(usage[0]?.billed_ms).toBeGreaterThan(52 + 400 + 2 + 400);
  });
});

describe('Function: dryRunExperiment', () => {
  it('stops at a limit even when the experiment swallows every error, keeping what it counted', async () => {
    const stubborn = {
      async run(b: ModelBench) {
        for (;;) {
          try {
            await b.invoke('function1');
          } catch {
            // A careless experiment: retries forever.
          }
        }
      },
    };
    const usage = await dryRunExperiment(stubborn as never, {}, MODEL, { timeScale: 1, memoryMb: 1024, rounding: { roundUpToMs: 1, minimumMs: 1 }, limits: { maxCalls: 50 } });
    expect(usage).toMatchObject({ stoppedBy: '50 calls', cutShort: true });
    expect(usage.invocations[0]?.invocations).toBe(50);
  });

  it('stops at the execution timeout in virtual time, and reports an experiment that throws', async () => {
    const sleeper = { run: async (b: ModelBench) => { for (;;) await b.sleep(3_600_000); } };
    const timedOut = await dryRunExperiment(sleeper as never, {}, MODEL, { timeScale: 1, memoryMb: 1024, rounding: { roundUpToMs: 1, minimumMs: 1 }, limits: { maxVirtualSeconds: 7200 } });
    // The real run ends at the execution timeout too: not cut short.
    expect(timedOut).toMatchObject({ stoppedBy: '7200 s of run time (the execution timeout)', wallSeconds: 7200, cutShort: false });
    const failing = { run: async (b: ModelBench) => { await b.invoke('function1'); throw new RangeError('no stable result'); } };
    const failed = await dryRunExperiment(failing as never, {}, MODEL, { timeScale: 1, memoryMb: 1024, rounding: { roundUpToMs: 1, minimumMs: 1 } });
    expect(failed).toMatchObject({ stoppedBy: 'the experiment stopped with RangeError: no stable result', cutShort: false });
    expect(failed.invocations[0]?.invocations).toBe(1);
  });
});
