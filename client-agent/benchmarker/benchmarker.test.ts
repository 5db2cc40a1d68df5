import { describe, expect, it } from 'vitest';
import { createLabFunction, type LabContext } from '../../lab-functions/core/run';
import { FakeInvoker, MemoryWriter } from '../../test-support/fake-invoker';
import { Benchmarker, RunAbortedError } from './benchmarker';
import type { TimedAnswer } from './invoker-port';
import { ResultsWriteError, RowSink } from './row-sink';
import { cleanText } from './rows';

const context = (invokeNested: LabContext['invokeNested']): LabContext => ({ platform: 'test', region: 'here', memoryMb: 128, platformInstanceId: 'i-1', invokeNested });

/** Answers as a real lab function would, with client timing around it. */
async function labAnswer(body: unknown): Promise<TimedAnswer> {
  const callee = createLabFunction({ name: 'function2' });
  const fn = createLabFunction({ name: 'function1' });
  const sendAt = performance.timeOrigin + performance.now();
  const response = await fn.handle(body, context(async (_name, payload) => callee.handle(payload, context(async () => ({ statusCode: 500, body: '' })))));
  const endAt = performance.timeOrigin + performance.now();
  return { attempts: 1, httpStatus: response.statusCode, sendAt, firstByteAt: endAt - 0.1, endAt, bodyText: JSON.stringify(response.body), classified: { status: response.statusCode === 200 ? 'ok' : 'error', body: response.body } };
}

const throttled: TimedAnswer = {
  attempts: 1,
  httpStatus: 429,
  sendAt: 1000,
  firstByteAt: 1001,
  endAt: 1002,
  bodyText: '{"error":{"type":"TooManyRequestsError","message":"busy"}}',
  classified: { status: 'throttled', errorType: 'TooManyRequestsError', errorMessage: 'busy' },
};

/** A Benchmarker over a fake invoker whose answers are prepared (they may be async to make) beforehand. */
function setup(answer: (functionName: string, payload: unknown, index: number) => TimedAnswer | Promise<TimedAnswer>, timeScale = 1) {
  const answers: TimedAnswer[] = [];
  const invoker = new FakeInvoker(() => {
    const made = answers.shift();
    if (!made) throw new Error('no prepared answer');
    return made;
  });
  const writer = new MemoryWriter();
  const sink = new RowSink(writer, { flushIntervalMs: 10 });
  const bench = new Benchmarker({ runId: 'run-1', invoker, sink, timeScale });
  const prepare = async (n: number, functionName = 'function1', payload: unknown = {}) => {
    for (let i = 0; i < n; i++) answers.push(await answer(functionName, payload, i));
  };
  return { bench, invoker, writer, sink, prepare };
}

describe('Class: Benchmarker', () => {
  it('forces cold starts through the invoker and counts the ones the next call contradicts, never assuming', async () => {
    // Each fresh lab function's first call is cold; a second call to the same one is warm.
    const fn = createLabFunction({ name: 'function1' });
    const answerFrom = async (): Promise<TimedAnswer> => {
      const sendAt = performance.timeOrigin + performance.now();
      const response = await fn.handle({}, context(async () => ({ statusCode: 500, body: '' })));
      const endAt = performance.timeOrigin + performance.now();
      return { attempts: 1, httpStatus: 200, sendAt, firstByteAt: endAt, endAt, bodyText: JSON.stringify(response.body), classified: { status: 'ok', body: response.body } };
    };
    const answers = [await answerFrom(), await answerFrom(), await answerFrom()];
    const invoker = new FakeInvoker(() => answers.shift() as TimedAnswer);
    const bench = new Benchmarker({ runId: 'run-1', invoker, sink: new RowSink(new MemoryWriter()), timeScale: 1 });
    expect((await bench.invoke('function1')).root?.cold).toBe(true);
    await bench.forceCold('function1');
    // The platform did not really retire the instance: its next call is warm, and that is counted.
    expect((await bench.invoke('function1')).root?.cold).toBe(false);
    expect(bench.progress).toMatchObject({ forcedCold: 1, forceColdMismatches: 1 });
    // Only the first call after a forced cold start is checked.
    await bench.invoke('function1');
    expect(bench.progress).toMatchObject({ forcedCold: 1, forceColdMismatches: 1 });
    expect(invoker.forcedCold).toEqual(['function1']);
  });

  it('checks a callee forced cold at the next call that reaches it through a nested call', async () => {
    // function1 → function2, both fresh: the first chain call finds both cold, the second both warm.
    const caller = createLabFunction({ name: 'function1' });
    const callee = createLabFunction({ name: 'function2' });
    const nested = { invoke_nested: [{ function_name: 'function2' }] };
    const chainAnswer = async (): Promise<TimedAnswer> => {
      const sendAt = performance.timeOrigin + performance.now();
      const response = await caller.handle(nested, context(async (_name, payload) => callee.handle(payload, context(async () => ({ statusCode: 500, body: '' })))));
      const endAt = performance.timeOrigin + performance.now();
      return { attempts: 1, httpStatus: 200, sendAt, firstByteAt: endAt, endAt, bodyText: JSON.stringify(response.body), classified: { status: 'ok', body: response.body } };
    };
    const answers = [await chainAnswer(), await chainAnswer()];
    const bench = new Benchmarker({ runId: 'run-1', invoker: new FakeInvoker(() => answers.shift() as TimedAnswer), sink: new RowSink(new MemoryWriter()), timeScale: 1 });
    await bench.forceCold('function2');
    await bench.invoke('function1', nested);
    expect(bench.progress).toMatchObject({ forcedCold: 1, forceColdMismatches: 0 });
    // Forced again, but the platform kept the callee warm: its nested record says so.
    await bench.forceCold('function2');
    await bench.invoke('function1', nested);
    expect(bench.progress).toMatchObject({ forcedCold: 2, forceColdMismatches: 1 });
  });

  it('stores every record of a response tree, the root with client timing and nested ones with the caller’s', async () => {
    const { bench, writer, sink, prepare } = setup(() => labAnswer({ invoke_nested: [{ function_name: 'function2' }] }));
    await prepare(1);
    const result = await bench.invoke('function1', { invoke_nested: [{ function_name: 'function2' }] });
    await sink.flush();
    expect(result.status).toBe('ok');
    expect(result.records.map((record) => record.function_name)).toEqual(['function1', 'function2']);
    expect(writer.invocations).toHaveLength(2);
    const [root, nested] = writer.invocations;
    expect(root).toMatchObject({ run_id: 'run-1', seq: 0, level: 0, function_name: 'function1', status: 'ok', batch_size: 1, batch_index: 0, cold: true, memory_mb: 128 });
    expect(root?.client_send).toBe(result.answer.sendAt);
    expect(root?.client_end).toBe(result.answer.endAt);
    expect(nested).toMatchObject({ seq: 1, level: 1, function_name: 'function2', parent: root?.identifier, root_identifier: root?.identifier, client_send: null, http_status: 200 });
    expect(nested?.invocation_start).toBeGreaterThan(0);
    expect(nested?.batch_id).toBe(root?.batch_id);
    expect(result.latencyMs).toBeCloseTo((result.answer.endAt as number) - (result.answer.sendAt as number), 6);
  });

  it('stores a throttle that carried no record as a row with its status and reason', async () => {
    const { bench, writer, sink, prepare } = setup(() => throttled);
    await prepare(1);
    const result = await bench.invoke('function3');
    await sink.flush();
    expect(result).toMatchObject({ status: 'throttled', httpStatus: 429, root: undefined, errorType: 'TooManyRequestsError' });
    expect(writer.invocations).toEqual([
      expect.objectContaining({ function_name: 'function3', status: 'throttled', http_status: 429, error_type: 'TooManyRequestsError', error_message: 'busy', client_send: 1000, client_end: 1002, identifier: expect.stringMatching(/^client-throttled-/) }),
    ]);
    expect(bench.progress).toMatchObject({ requests: 1, throttled: 1, invocationRows: 1 });
  });

  it('gives a concurrent batch one id, its size, each request its index, and warms n connections first', async () => {
    const { bench, writer, sink, invoker, prepare } = setup((_f, _p, index) => (index === 2 ? throttled : labAnswer({})));
    await prepare(4);
    const results = await bench.invokeConcurrently('function1', 4, { sleep: 0 });
    await sink.flush();
    expect(invoker.warmed).toEqual([{ functionName: 'function1', connections: 4 }]);
    expect(results.map((result) => result.status)).toEqual(['ok', 'ok', 'throttled', 'ok']);
    expect(new Set(writer.invocations.map((row) => row.batch_id)).size).toBe(1);
    expect(writer.invocations.map((row) => [row.batch_size, row.batch_index, row.seq])).toEqual([
      [4, 0, 0],
      [4, 1, 1],
      [4, 2, 2],
      [4, 3, 3],
    ]);
  });

  it("passes a call's own timeout to the invoker and stores the timeout it ends with, while other calls are in flight", async () => {
    const timedOut: TimedAnswer = { attempts: 1, httpStatus: null, sendAt: 1000, firstByteAt: null, endAt: null, bodyText: null, classified: { status: 'timeout', errorType: 'ClientTimeout', errorMessage: 'no complete answer within 250 ms' } };
    const { bench, writer, sink, invoker, prepare } = setup((_f, _p, index) => (index === 0 ? timedOut : labAnswer({})));
    await prepare(3);
    // Both issued before either is awaited: many calls may be in flight at once.
    const single = bench.invoke('function1', {}, { timeoutMs: 250 });
    const batch = bench.invokeConcurrently('function1', 2, {}, { timeoutMs: 400 });
    const [result, results] = await Promise.all([single, batch]);
    await sink.flush();
    expect(invoker.calls.map((call) => [call.n, call.options])).toEqual([
      [1, { timeoutMs: 250 }],
      [2, { timeoutMs: 400 }],
    ]);
    expect(result).toMatchObject({ status: 'timeout', errorType: 'ClientTimeout' });
    expect(results.map((r) => r.status)).toEqual(['ok', 'ok']);
    expect(writer.invocations[0]).toMatchObject({ status: 'timeout', error_type: 'ClientTimeout', client_send: 1000, client_end: null });
    expect(bench.progress).toMatchObject({ requests: 3, timeouts: 1 });
  });

  it('refuses a batch size that is not a positive integer', async () => {
    const { bench } = setup(() => throttled);
    await expect(bench.invokeConcurrently('function1', 0)).rejects.toThrow(RangeError);
    await expect(bench.invokeConcurrently('function1', 2.5)).rejects.toThrow(RangeError);
  });

  it('sleeps experiment time scaled to real time, and stops on abort', async () => {
    const { sink } = setup(() => throttled);
    const controller = new AbortController();
    const bench = new Benchmarker({ runId: 'r', invoker: new FakeInvoker(() => throttled), sink, timeScale: 0.001, signal: controller.signal });
    const started = performance.now();
    await bench.sleep(60_000); // one experiment minute → 60 ms
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(55);
    expect(elapsed).toBeLessThan(2000);
    const long = bench.sleep(3_600_000_000);
    controller.abort();
    await expect(long).rejects.toThrow(RunAbortedError);
    await expect(bench.invoke('function1')).rejects.toThrow(RunAbortedError);
  });

  it('numbers experiment rows per table and refuses table names that are not snake_case', async () => {
    const { bench, writer, sink } = setup(() => throttled);
    bench.record('coldstart', { gap_s: 300 });
    bench.record('coldstart', { gap_s: 600 });
    bench.record('baseline', { mean_ms: 3 });
    await sink.flush();
    expect(writer.experimentRows.map((row) => [row.table_name, row.seq, row.data])).toEqual([
      ['coldstart', 0, { gap_s: 300 }],
      ['coldstart', 1, { gap_s: 600 }],
      ['baseline', 0, { mean_ms: 3 }],
    ]);
    expect(() => bench.record('Cold Start', {})).toThrow(RangeError);
  });
});

describe('Class: RowSink', () => {
  it('writes buffered rows within its flush interval without being asked', async () => {
    const writer = new MemoryWriter();
    const sink = new RowSink(writer, { flushIntervalMs: 20 });
    sink.addExperimentRow({ run_id: 'r', table_name: 't', seq: 0, data: {} });
    expect(writer.experimentRows).toHaveLength(0);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(writer.experimentRows).toHaveLength(1);
  });

  it('surfaces a failed write on the next flush instead of losing it silently', async () => {
    const writer = new MemoryWriter();
    const sink = new RowSink(writer, { flushIntervalMs: 10_000 });
    writer.failNext = new Error('disk full');
    sink.addExperimentRow({ run_id: 'r', table_name: 't', seq: 0, data: {} });
    await expect(sink.flush()).rejects.toThrow(ResultsWriteError);
    expect(() => sink.addExperimentRow({ run_id: 'r', table_name: 't', seq: 1, data: {} })).toThrow('disk full');
  });
});

describe('Function: cleanText', () => {
  it('removes NUL and replaces lone surrogates, which PostgreSQL would refuse', () => {
    expect(cleanText('a\u0000b')).toBe('ab');
    expect(cleanText('x\uD800y')).toBe('x\uFFFDy');
    expect(cleanText('x\uDC00y')).toBe('x\uFFFDy');
    expect(cleanText('ok 😀')).toBe('ok 😀');
  });
});
