import type { ErrorInfo } from './errors';

/**
 * One invocation record (lab-functions/README.md). Times are epoch milliseconds with sub-millisecond
 * precision; durations are milliseconds; memory is MB on every platform.
 */
export interface InvocationRecord {
  identifier: string;
  uuid: string;
  function_name: string;
  /** The caller's identifier, or `root`. */
  parent: string;
  level: number;
  /** Stable per sandbox: platform id + module-init UUID. */
  instance_identifier: string;
  /** The platform's own id of the sandbox (Lambda log stream, Azure instance, pod), if any. */
  platform_instance_id: string | null;
  /** Epoch ms the instance's process started. */
  instance_started_at: number;
  /** True only for the first invocation an instance serves. */
  cold: boolean;
  /** Invocations this instance had begun serving when this one began, this one included. */
  instance_invocation_count: number;
  execution_start: number;
  execution_end: number;
  /** CPU time of this process during this invocation (not cumulative). */
  cpu_time_ms: number;
  /** Configured memory in MB. */
  memory_mb: number;
  function_cores: number;
  cpu_model: string;
  runtime: string;
  platform: string;
  region: string;
  sleep?: number;
  throughput_time?: number;
  throughput_ops?: number;
  throughput_cpu_time_ms?: number;
  throughput_wall_time_ms?: number;
  random_seed?: number;
  function_called?: string;
  function_argument?: number;
  seed?: number;
  monolith_result?: string;
  matrix_cpu_time_ms?: number;
  matrix_wall_time_ms?: number;
  /** Nested records only: when the caller started and finished the call, on the caller's clock. */
  invocation_start?: number;
  invocation_end?: number;
  /** Nested records only: the HTTP status (or Lambda status) the caller saw. */
  http_status?: number;
  error?: ErrorInfo;
}

/** The error record a caller writes for a nested call that produced no records of its own. */
export interface NestedErrorRecord {
  identifier: string;
  uuid: string;
  function_name: string;
  parent: string;
  level: number;
  invocation_start: number;
  invocation_end: number;
  http_status: number | null;
  error: ErrorInfo;
}

export type AnyRecord = InvocationRecord | NestedErrorRecord;

/** A lab function's answer: every record of the call tree keyed by identifier, plus the root's id. */
export interface ResponseBody {
  root_identifier: string;
  [identifier: string]: AnyRecord | string;
}

/** What an adapter turns into its platform's response. */
export interface LabResponse {
  statusCode: number;
  body: ResponseBody | { error: ErrorInfo };
}

/** The records of a response body, without `root_identifier`. */
export function recordsOf(body: ResponseBody): AnyRecord[] {
  return Object.entries(body)
    .filter(([key]) => key !== 'root_identifier')
    .map(([, value]) => value as AnyRecord);
}

/** Whether a parsed JSON value has the shape of a {@link ResponseBody}. */
export function isResponseBody(value: unknown): value is ResponseBody {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const root = (value as Record<string, unknown>).root_identifier;
  if (typeof root !== 'string') return false;
  const rootRecord = (value as Record<string, unknown>)[root];
  return typeof rootRecord === 'object' && rootRecord !== null;
}
