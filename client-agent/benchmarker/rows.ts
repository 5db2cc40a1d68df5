import { randomUUID } from 'node:crypto';
import { type AnyRecord, isResponseBody, type ResponseBody, recordsOf } from '../../lab-functions/core/records';
import type { InvocationRow, InvocationStatus } from '../../lib/results/types';
import type { TimedAnswer } from './invoker-port';

/** Where an answer sits in the run: its batch and its place in it. */
export interface AnswerPosition {
  runId: string;
  functionName: string;
  batchId: string;
  batchSize: number;
  batchIndex: number;
}

/** Record fields that have their own column; everything else goes to `extra`. */
const COLUMN_FIELDS = new Set([
  'identifier',
  'uuid',
  'function_name',
  'parent',
  'level',
  'instance_identifier',
  'platform_instance_id',
  'cold',
  'instance_invocation_count',
  'execution_start',
  'execution_end',
  'cpu_time_ms',
  'memory_mb',
  'function_cores',
  'cpu_model',
  'runtime',
  'platform',
  'region',
  'sleep',
  'throughput_time',
  'throughput_ops',
  'invocation_start',
  'invocation_end',
  'http_status',
  'error',
]);

/**
 * The rows one answer produces, without `seq` (the caller numbers them): one per record of the
 * response tree, the root carrying the client's timing; or a single client-side row when the
 * answer had no records (a throttle, a timeout, a gateway error), so nothing is ever dropped.
 */
export function answerToRows(answer: TimedAnswer, position: AnswerPosition): Omit<InvocationRow, 'seq'>[] {
  const body = answer.classified.body;
  if (!isResponseBody(body)) return [clientRow(answer, position)];
  const rootId = body.root_identifier;
  return recordsOf(body as ResponseBody).map((record) => {
    const isRoot = record.identifier === rootId;
    return recordRow(record, answer, position, rootId, isRoot);
  });
}

function recordRow(record: AnyRecord, answer: TimedAnswer, position: AnswerPosition, rootId: string, isRoot: boolean): Omit<InvocationRow, 'seq'> {
  const r = record as AnyRecord & Record<string, unknown>;
  const error = r.error as { type?: string; message?: string } | undefined;
  const httpStatus = isRoot ? answer.httpStatus : ((r.http_status as number | null | undefined) ?? null);
  const status: InvocationStatus = isRoot ? answer.classified.status : nestedStatus(httpStatus, error !== undefined);
  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(r)) if (!COLUMN_FIELDS.has(key) && value !== undefined) extra[key] = value;
  return {
    run_id: position.runId,
    batch_id: position.batchId,
    batch_size: position.batchSize,
    batch_index: position.batchIndex,
    identifier: cleanText(String(r.identifier)),
    root_identifier: cleanText(rootId),
    parent: stringOrNull(r.parent),
    level: numberOrNull(r.level) ?? 0,
    function_name: cleanText(String(r.function_name)),
    status,
    http_status: httpStatus,
    error_type: stringOrNull(error?.type ?? (isRoot ? answer.classified.errorType : undefined)),
    error_message: stringOrNull(error?.message ?? (isRoot ? answer.classified.errorMessage : undefined)),
    client_send: isRoot ? answer.sendAt : null,
    client_first_byte: isRoot ? answer.firstByteAt : null,
    client_end: isRoot ? answer.endAt : null,
    invocation_start: numberOrNull(r.invocation_start),
    invocation_end: numberOrNull(r.invocation_end),
    execution_start: numberOrNull(r.execution_start),
    execution_end: numberOrNull(r.execution_end),
    instance_identifier: stringOrNull(r.instance_identifier),
    platform_instance_id: stringOrNull(r.platform_instance_id),
    cold: typeof r.cold === 'boolean' ? r.cold : null,
    instance_invocation_count: numberOrNull(r.instance_invocation_count),
    memory_mb: numberOrNull(r.memory_mb),
    cpu_time_ms: numberOrNull(r.cpu_time_ms),
    function_cores: numberOrNull(r.function_cores),
    cpu_model: stringOrNull(r.cpu_model),
    runtime: stringOrNull(r.runtime),
    platform: stringOrNull(r.platform),
    region: stringOrNull(r.region),
    sleep_s: numberOrNull(r.sleep),
    throughput_time_s: numberOrNull(r.throughput_time),
    throughput_ops: numberOrNull(r.throughput_ops),
    attempts: isRoot ? answer.attempts : 1,
    extra: Object.keys(extra).length ? (cleanDeep(extra) as Record<string, unknown>) : null,
  };
}

/** A nested record's status from what its caller saw. */
function nestedStatus(httpStatus: number | null, hasError: boolean): InvocationStatus {
  if (httpStatus === 429) return 'throttled';
  return hasError ? 'error' : 'ok';
}

function clientRow(answer: TimedAnswer, position: AnswerPosition): Omit<InvocationRow, 'seq'> {
  return {
    run_id: position.runId,
    batch_id: position.batchId,
    batch_size: position.batchSize,
    batch_index: position.batchIndex,
    identifier: `client-${answer.classified.status}-${randomUUID()}`,
    root_identifier: null,
    parent: null,
    level: 0,
    function_name: position.functionName,
    status: answer.classified.status === 'ok' ? 'error' : answer.classified.status,
    http_status: answer.httpStatus,
    error_type: stringOrNull(answer.classified.errorType ?? (answer.classified.status === 'ok' ? 'MalformedAnswer' : undefined)),
    error_message: stringOrNull(answer.classified.errorMessage ?? (answer.classified.status === 'ok' ? 'answer carried no invocation records' : undefined)),
    client_send: answer.sendAt,
    client_first_byte: answer.firstByteAt,
    client_end: answer.endAt,
    invocation_start: null,
    invocation_end: null,
    execution_start: null,
    execution_end: null,
    instance_identifier: null,
    platform_instance_id: null,
    cold: null,
    instance_invocation_count: null,
    memory_mb: null,
    cpu_time_ms: null,
    function_cores: null,
    cpu_model: null,
    runtime: null,
    platform: null,
    region: null,
    sleep_s: null,
    throughput_time_s: null,
    throughput_ops: null,
    attempts: answer.attempts,
    extra: null,
  };
}

/**
 * Text from an answer, made storable: PostgreSQL text and jsonb refuse NUL characters and lone
 * surrogates, and one such character from an untrusted error page must not fail a whole batch.
 */
export function cleanText(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing NUL is the point
  return text.replace(/\u0000/g, '').replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

/** {@link cleanText} applied to every string (and key) inside a JSON-like value. */
function cleanDeep(value: unknown): unknown {
  if (typeof value === 'string') return cleanText(value);
  if (Array.isArray(value)) return value.map(cleanDeep);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, entry]) => [cleanText(key), cleanDeep(entry)]));
  return value;
}

function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? cleanText(value) : null;
}
