import { createLabFunction, type LabContext, type LabFunction } from '../lab-functions/core/run';
import { type AnyRecord, type InvocationRecord, isResponseBody, recordsOf } from '../lab-functions/core/records';
import { LAB_FUNCTION_NAMES } from '../lab-functions/names';
import type { ExperimentBench, ExperimentResult, InvocationResult } from '../lib/experiment';

/** One call the client made, as the model saw it. */
export interface ModelCall {
  functionName: string;
  /** The payload asked for nested calls. */
  nested: boolean;
}

/** What happened in the bench, in order: calls, sleeps (experiment ms) and forced cold starts. */
export type ModelStep = { call: ModelCall } | { sleepMs: number } | { forceCold: string };

/**
 * An ExperimentBench over the real lab-function code run in this process: each function has at
 * most one instance (a `createLabFunction`), nested calls go to the callee's instance, an instance
 * idle `idleTimeoutMs` of experiment time (sleeps advance a virtual clock; calls take none of it)
 * or forced cold is replaced by a new one, whose first call is cold; a nested call to a name that
 * is not a lab function gets no answer. Busy work and sleeps asked of
 * the functions are real, so tests ask for none.
 */
export function labModelBench(options: { idleTimeoutMs: number }) {
  const instances = new Map<string, { fn: LabFunction; lastUsedMs: number }>();
  let nowMs = 0;
  const steps: ModelStep[] = [];
  const rows: Record<string, Record<string, unknown>[]> = {};
  const logs: string[] = [];
  let result: ExperimentResult | undefined;

  const instanceOf = (name: string): LabFunction => {
    const current = instances.get(name);
    if (current && nowMs - current.lastUsedMs < options.idleTimeoutMs) {
      current.lastUsedMs = nowMs;
      return current.fn;
    }
    const fn = createLabFunction({ name });
    instances.set(name, { fn, lastUsedMs: nowMs });
    return fn;
  };
  const context: LabContext = {
    platform: 'model',
    region: 'here',
    memoryMb: 128,
    platformInstanceId: undefined,
    invokeNested: async (name, payload) => {
      if (!(LAB_FUNCTION_NAMES as readonly string[]).includes(name)) throw new Error(`no function ${name}`);
      return instanceOf(name).handle(payload, context);
    },
  };

  const invoke = async (functionName: string, payload: unknown = {}): Promise<InvocationResult> => {
    steps.push({ call: { functionName, nested: typeof payload === 'object' && payload !== null && 'invoke_nested' in payload } });
    const sendAt = performance.timeOrigin + performance.now();
    const response = await instanceOf(functionName).handle(payload, context);
    const endAt = performance.timeOrigin + performance.now();
    const body = response.body;
    const records: AnyRecord[] = isResponseBody(body) ? recordsOf(body) : [];
    const root = isResponseBody(body) ? (body[body.root_identifier] as InvocationRecord) : undefined;
    return {
      status: response.statusCode === 200 ? 'ok' : 'error',
      httpStatus: response.statusCode,
      latencyMs: endAt - sendAt,
      root,
      records: root ? [root, ...records.filter((record) => record !== root)] : records,
      errorType: undefined,
      errorMessage: undefined,
      answer: { attempts: 1, httpStatus: response.statusCode, sendAt, firstByteAt: endAt, endAt, bodyText: JSON.stringify(body), classified: { status: 'ok', body } },
    };
  };

  const bench: ExperimentBench = {
    runId: 'model',
    timeScale: 1,
    clockOffset: { offsetMs: 0, errorMs: 0, samples: 1 },
    invoke,
    invokeConcurrently: async (functionName, n, payload) => Promise.all(Array.from({ length: n }, () => invoke(functionName, payload))),
    forceCold: async (functionName) => {
      steps.push({ forceCold: functionName });
      instances.delete(functionName);
    },
    sleep: async (ms) => {
      steps.push({ sleepMs: ms });
      nowMs += ms;
    },
    record: (table, row) => {
      rows[table] ??= [];
      rows[table].push(row);
    },
    log: (...parts) => {
      logs.push(parts.map(String).join(' '));
    },
    result: (reported) => {
      result = reported;
    },
  };
  return { bench, steps, rows, logs, result: () => result };
}
