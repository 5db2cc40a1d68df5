import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { nowEpochMs, processCpuMs } from './clock';
import type { LabFunctionDefinition } from './definition';
import { InvalidInputError, toErrorInfo } from './errors';
import { type HostInfo, readHostInfo } from './host';
import { type LabInput, parseLabInput, isMonolithName } from './input';
import { createInstanceState, type InstanceState, instanceIdentifier } from './instance';
import { type NestedInvoker, runNestedCalls } from './nested';
import type { InvocationRecord, LabResponse, ResponseBody } from './records';
import { runThroughput } from './throughput';

/** What an adapter knows about the platform for one invocation. */
export interface LabContext {
  /** `aws-lambda`, `azure-functions`, `openfaas` or `local`. */
  platform: string;
  region: string;
  /** Configured memory in MB. */
  memoryMb: number;
  /** The platform's own id of this sandbox, where it has one. */
  platformInstanceId: string | undefined;
  /** Makes one nested call by logical or deployed function name. */
  invokeNested: NestedInvoker;
  /**
   * Aborted when nobody waits for this invocation's answer any more (the OpenFaaS adapter: the
   * caller's connection closed first). No further nested call is then made, and the one in flight
   * is abandoned, so a disconnected caller does not leave a tree of calls running.
   */
  signal?: AbortSignal;
}

/** A lab function bound to its process: call {@link LabFunction.handle} once per invocation. */
export interface LabFunction {
  readonly name: string;
  readonly instance: InstanceState;
  handle(body: unknown, context: LabContext): Promise<LabResponse>;
}

/**
 * Bind a platform-free lab function to this process. Call once at module init: the instance
 * identity (UUID, start time, invocation counter) lives as long as the module.
 */
export function createLabFunction(definition: LabFunctionDefinition): LabFunction {
  const instance = createInstanceState();
  const host = readHostInfo();
  return {
    name: definition.name,
    instance,
    handle: (body, context) => handleInvocation(definition, instance, host, body, context),
  };
}

async function handleInvocation(
  definition: LabFunctionDefinition,
  instance: InstanceState,
  host: HostInfo,
  body: unknown,
  context: LabContext,
): Promise<LabResponse> {
  const executionStart = nowEpochMs();
  const cpuStart = processCpuMs();
  instance.invocationCount += 1;
  const invocationCount = instance.invocationCount;

  let parsed: ReturnType<typeof parseLabInput>;
  try {
    parsed = parseLabInput(body, { functionName: definition.name, isMonolith: definition.runFeature !== undefined || isMonolithName(definition.name) });
  } catch (error) {
    if (error instanceof InvalidInputError) return { statusCode: 400, body: { error: toErrorInfo(error) } };
    throw error;
  }
  const { input, level, parent } = parsed;
  const uuid = randomUUID();
  const identifier = `${definition.name}-${uuid}`;
  const record: InvocationRecord = {
    identifier,
    uuid,
    function_name: definition.name,
    parent,
    level,
    instance_identifier: instanceIdentifier(context.platformInstanceId, instance),
    platform_instance_id: context.platformInstanceId ?? null,
    instance_started_at: instance.startedAtMs,
    cold: invocationCount === 1,
    instance_invocation_count: invocationCount,
    execution_start: executionStart,
    execution_end: executionStart,
    cpu_time_ms: 0,
    memory_mb: context.memoryMb,
    function_cores: host.cores,
    cpu_model: host.cpuModel,
    runtime: host.runtime,
    platform: context.platform,
    region: context.region,
  };
  const responseBody: ResponseBody = { root_identifier: identifier, [identifier]: record };
  let statusCode = 200;
  try {
    await doWork(definition, input, record, responseBody, context);
  } catch (error) {
    record.error = toErrorInfo(error);
    statusCode = 500;
  }
  record.execution_end = nowEpochMs();
  record.cpu_time_ms = processCpuMs() - cpuStart;
  return { statusCode, body: responseBody };
}

/** The requested work, in the original's order: sleep, busy work, nested calls, monolith feature. */
async function doWork(
  definition: LabFunctionDefinition,
  input: LabInput,
  record: InvocationRecord,
  responseBody: ResponseBody,
  context: LabContext,
): Promise<void> {
  if (input.sleep !== undefined) {
    record.sleep = input.sleep;
    await sleep(input.sleep * 1000);
  }
  if (input.throughput_time !== undefined) {
    const result = runThroughput(input.throughput_time);
    record.throughput_time = input.throughput_time;
    record.throughput_ops = result.ops;
    record.throughput_cpu_time_ms = result.cpuTimeMs;
    record.throughput_wall_time_ms = result.wallTimeMs;
    record.random_seed = result.seed;
  }
  if (input.invoke_nested?.length) {
    await runNestedCalls(input.invoke_nested, { parent: record, responseBody, invoke: context.invokeNested, signal: context.signal });
  }
  if (input.run_function !== undefined && input.seed !== undefined && definition.runFeature) {
    Object.assign(record, await definition.runFeature({ runFunction: input.run_function as never, args: input.args, seed: input.seed }));
  }
}
