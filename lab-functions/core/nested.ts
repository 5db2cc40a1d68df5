import { randomUUID } from 'node:crypto';
import { nowEpochMs } from './clock';
import { NestedInvocationError, toErrorInfo } from './errors';
import type { LabInput, NestedCallSpec } from './input';
import { type AnyRecord, type InvocationRecord, isResponseBody, type NestedErrorRecord, type ResponseBody, recordsOf } from './records';

/** What a nested call answered: its status and its parsed JSON body (or raw text). */
export interface NestedResponse {
  statusCode: number;
  body: unknown;
}

/**
 * Makes one nested call. Adapters implement it per platform (Lambda Invoke, HTTPS to an Azure
 * function app, the OpenFaaS gateway). It resolves with whatever the callee answered, error
 * statuses included, and rejects only when no answer came at all.
 */
export type NestedInvoker = (functionName: string, payload: LabInput, signal?: AbortSignal) => Promise<NestedResponse>;

interface NestedRunOptions {
  parent: InvocationRecord;
  responseBody: ResponseBody;
  invoke: NestedInvoker;
  /** Aborted when the caller is gone: stop making calls, abandon the one in flight. */
  signal?: AbortSignal;
}

/**
 * Make the nested calls one after another, in list order, each timed on this function's clock.
 * The callees' records are merged into this response. A call that fails (no answer, a throttle,
 * an answer without records) becomes an error record in this response; the parent still succeeds.
 * Once `signal` is aborted no further call is made: nobody will read this response.
 */
export async function runNestedCalls(calls: NestedCallSpec[], options: NestedRunOptions): Promise<void> {
  for (const call of calls) {
    if (options.signal?.aborted) return;
    const payload: LabInput = { ...call.invoke_payload, parent: options.parent.identifier, level: options.parent.level };
    const invocationStart = nowEpochMs();
    let response: NestedResponse | undefined;
    let failure: unknown;
    try {
      response = await options.invoke(call.function_name, payload, options.signal);
    } catch (error) {
      failure = error;
    }
    const invocationEnd = nowEpochMs();
    if (response && isResponseBody(response.body)) {
      mergeCalleeRecords(response.body, options.responseBody, { invocationStart, invocationEnd, httpStatus: response.statusCode });
      continue;
    }
    const error = failure ?? answerError(call.function_name, response);
    const errorRecord = nestedErrorRecord(call.function_name, options.parent, {
      invocationStart,
      invocationEnd,
      httpStatus: response?.statusCode ?? null,
      error,
    });
    options.responseBody[errorRecord.identifier] = errorRecord;
  }
}

function mergeCalleeRecords(
  callee: ResponseBody,
  target: ResponseBody,
  timing: { invocationStart: number; invocationEnd: number; httpStatus: number },
): void {
  for (const record of recordsOf(callee)) target[record.identifier] = record;
  const calleeRoot = target[callee.root_identifier] as AnyRecord;
  calleeRoot.invocation_start = timing.invocationStart;
  calleeRoot.invocation_end = timing.invocationEnd;
  calleeRoot.http_status = timing.httpStatus;
}

function nestedErrorRecord(
  functionName: string,
  parent: InvocationRecord,
  details: { invocationStart: number; invocationEnd: number; httpStatus: number | null; error: unknown },
): NestedErrorRecord {
  const uuid = randomUUID();
  return {
    identifier: `error-${functionName}-${uuid}`,
    uuid,
    function_name: functionName,
    parent: parent.identifier,
    level: parent.level + 1,
    invocation_start: details.invocationStart,
    invocation_end: details.invocationEnd,
    http_status: details.httpStatus,
    error: toErrorInfo(details.error),
  };
}

/**
 * The error of an answer without records. A callee or platform that named its error
 * (`{error:{type,message}}`, e.g. a 429 TooManyRequestsError) keeps that name, so throttles stay
 * distinguishable from failures; anything else is a NestedInvocationError.
 */
function answerError(functionName: string, response: NestedResponse | undefined): Error {
  if (!response) return new NestedInvocationError(`no answer from ${functionName}`);
  const prefix = `${functionName} answered HTTP ${response.statusCode} without invocation records`;
  const named = namedError(response.body);
  if (named) {
    const error = new NestedInvocationError(`${prefix}: ${named.message}`, response.statusCode);
    error.name = named.type;
    return error;
  }
  const detail = typeof response.body === 'string' ? `: ${response.body.slice(0, 200)}` : '';
  return new NestedInvocationError(`${prefix}${detail}`, response.statusCode);
}

function namedError(body: unknown): { type: string; message: string } | undefined {
  if (typeof body !== 'object' || body === null || !('error' in body)) return undefined;
  const error = (body as { error: unknown }).error;
  if (typeof error !== 'object' || error === null) return undefined;
  const { type, message } = error as { type?: unknown; message?: unknown };
  return typeof type === 'string' && type ? { type, message: typeof message === 'string' ? message : '' } : undefined;
}
