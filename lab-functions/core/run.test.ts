import { describe, expect, it, vi } from 'vitest';
import type { LabFunctionDefinition } from './definition';
import type { LabInput } from './input';
import type { NestedInvoker } from './nested';
import { type AnyRecord, type InvocationRecord, type ResponseBody, recordsOf } from './records';
import { createLabFunction, type LabContext } from './run';

const context = (invokeNested: NestedInvoker = vi.fn()): LabContext => ({
  platform: 'test',
  region: 'test-1',
  memoryMb: 256,
  platformInstanceId: 'sandbox-7',
  invokeNested,
});

const rootOf = (body: unknown): InvocationRecord => {
  const response = body as ResponseBody;
  return response[response.root_identifier] as InvocationRecord;
};

describe('Function: createLabFunction', () => {
  it('flags only the first invocation of an instance as cold and counts invocations', async () => {
    const fn = createLabFunction({ name: 'function1' });
    const first = rootOf((await fn.handle({}, context())).body);
    const second = rootOf((await fn.handle({}, context())).body);
    expect([first.cold, second.cold]).toEqual([true, false]);
    expect([first.instance_invocation_count, second.instance_invocation_count]).toEqual([1, 2]);
    expect(first.instance_identifier).toBe(second.instance_identifier);
    expect(first.instance_identifier).toBe(`sandbox-7:${fn.instance.uuid}`);
  });

  it('gives a separate module instance a separate identity', async () => {
    const a = createLabFunction({ name: 'function1' });
    const b = createLabFunction({ name: 'function1' });
    const recordA = rootOf((await a.handle({}, context())).body);
    const recordB = rootOf((await b.handle({}, context())).body);
    expect(recordA.instance_identifier).not.toBe(recordB.instance_identifier);
    expect(recordB.cold).toBe(true);
  });

  it('fills every field of the contract with the platform facts and this invocation alone', async () => {
    const fn = createLabFunction({ name: 'function2' });
    const { statusCode, body } = await fn.handle({ sleep: 0.05, throughput_time: 0.05 }, context());
    const record = rootOf(body);
    expect(statusCode).toBe(200);
    expect(record).toMatchObject({
      function_name: 'function2',
      parent: 'root',
      level: 0,
      memory_mb: 256,
      platform: 'test',
      region: 'test-1',
      platform_instance_id: 'sandbox-7',
      sleep: 0.05,
      throughput_time: 0.05,
      random_seed: 5,
    });
    expect(record.identifier).toBe(`function2-${record.uuid}`);
    expect(record.execution_end - record.execution_start).toBeGreaterThanOrEqual(95);
    expect(record.throughput_ops).toBeGreaterThan(0);
    expect(record.throughput_wall_time_ms).toBeGreaterThanOrEqual(50);
    expect(record.cpu_time_ms).toBeGreaterThan(0);
    expect(record.cpu_time_ms).toBeLessThan(5000);
    expect(record.function_cores).toBeGreaterThan(0);
    expect(record.runtime).toMatch(/^nodejs\d+\./);
    expect(record.instance_started_at).toBeLessThanOrEqual(record.execution_start);
  });

  it('answers 400 with {error:{type,message}} for bad input, never a record', async () => {
    const fn = createLabFunction({ name: 'function1' });
    const response = await fn.handle({ sleep: -1 }, context());
    expect(response).toEqual({ statusCode: 400, body: { error: { type: 'InvalidInputError', message: expect.stringContaining('sleep') } } });
  });

  it('turns an exception inside the function into an error record and a 500', async () => {
    const broken: LabFunctionDefinition = {
      name: 'monolith',
      runFeature: () => {
        throw new RangeError('feature exploded');
      },
    };
    const response = await createLabFunction(broken).handle({ run_function: 'fib', seed: 1 }, context());
    expect(response.statusCode).toBe(500);
    const record = rootOf(response.body);
    expect(record.error).toEqual({ type: 'RangeError', message: 'feature exploded' });
    expect(record.execution_end).toBeGreaterThanOrEqual(record.execution_start);
  });

  it('calls nested functions in order with parent and level, merging their records with caller timing', async () => {
    const calls: { name: string; payload: LabInput }[] = [];
    const callee = createLabFunction({ name: 'function2' });
    const invoke: NestedInvoker = async (name, payload) => {
      calls.push({ name, payload });
      return callee.handle(payload, context());
    };
    const fn = createLabFunction({ name: 'function1' });
    const response = await fn.handle(
      { invoke_nested: [{ function_name: 'function2', invoke_payload: { sleep: 0.01 } }, { function_name: 'function2' }] },
      context(invoke),
    );
    const root = rootOf(response.body);
    expect(calls.map((call) => call.name)).toEqual(['function2', 'function2']);
    expect(calls[0]?.payload).toEqual({ sleep: 0.01, parent: root.identifier, level: 0 });
    const children = recordsOf(response.body as ResponseBody).filter((record) => record.identifier !== root.identifier) as InvocationRecord[];
    expect(children).toHaveLength(2);
    for (const child of children) {
      expect(child).toMatchObject({ parent: root.identifier, level: 1, http_status: 200 });
      expect(child.invocation_start).toBeLessThanOrEqual(child.execution_start);
      expect(child.invocation_end).toBeGreaterThanOrEqual(child.execution_end);
      expect(child.invocation_start).toBeGreaterThanOrEqual(root.execution_start);
    }
    const [first, second] = children.sort((a, b) => (a.invocation_start ?? 0) - (b.invocation_start ?? 0));
    expect(second?.invocation_start).toBeGreaterThanOrEqual(first?.invocation_end ?? Number.POSITIVE_INFINITY);
  });

  it('records a failed nested call as an error record inside a successful parent', async () => {
    const invoke: NestedInvoker = vi
      .fn<NestedInvoker>()
      .mockRejectedValueOnce(new Error('connect ECONNREFUSED 127.0.0.1:9'))
      .mockResolvedValueOnce({ statusCode: 429, body: { error: { type: 'TooManyRequestsError', message: 'all busy' } } })
      .mockResolvedValueOnce({ statusCode: 502, body: '<html>bad gateway</html>' });
    const fn = createLabFunction({ name: 'function1' });
    const response = await fn.handle(
      { invoke_nested: [{ function_name: 'function2' }, { function_name: 'function3' }, { function_name: 'monolith' }] },
      context(invoke),
    );
    expect(response.statusCode).toBe(200);
    const root = rootOf(response.body);
    const errors = recordsOf(response.body as ResponseBody).filter((record): record is AnyRecord & { error: object } => 'error' in record && record.error !== undefined);
    expect(errors.map((record) => [record.function_name, record.http_status, record.error])).toEqual([
      ['function2', null, { type: 'Error', message: 'connect ECONNREFUSED 127.0.0.1:9' }],
      ['function3', 429, { type: 'TooManyRequestsError', message: expect.stringContaining('all busy') }],
      ['monolith', 502, { type: 'NestedInvocationError', message: expect.stringContaining('HTTP 502') }],
    ]);
    for (const record of errors) {
      expect(record.identifier).toMatch(new RegExp(`^error-${record.function_name}-`));
      expect(record).toMatchObject({ parent: root.identifier, level: 1 });
    }
    expect(root.error).toBeUndefined();
  });

  it('keeps the records of a callee that failed inside its function', async () => {
    const broken = createLabFunction({ name: 'monolith', runFeature: () => Promise.reject(new TypeError('boom')) });
    const fn = createLabFunction({ name: 'function1' });
    const response = await fn.handle(
      { invoke_nested: [{ function_name: 'monolith', invoke_payload: { run_function: 'fib', seed: 2 } }] },
      context(async (_name, payload) => broken.handle(payload, context())),
    );
    expect(response.statusCode).toBe(200);
    const callee = recordsOf(response.body as ResponseBody).find((record) => record.function_name === 'monolith') as InvocationRecord;
    expect(callee).toMatchObject({ http_status: 500, error: { type: 'TypeError', message: 'boom' }, level: 1 });
    expect(callee.invocation_start).toBeDefined();
  });
});
