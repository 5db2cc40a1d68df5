import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';

/**
 * The identity and counters of the sandbox (process) this code runs in. One exists per module
 * load, which is exactly one per Lambda execution environment, Azure worker process, OpenFaaS
 * replica or local-platform instance.
 */
export interface InstanceState {
  /** UUID made once at module init. */
  readonly uuid: string;
  /** Epoch ms at which this process started (before module init, so it includes the boot). */
  readonly startedAtMs: number;
  /** Invocations this instance has begun serving, including the current one. */
  invocationCount: number;
}

export function createInstanceState(): InstanceState {
  return { uuid: randomUUID(), startedAtMs: performance.timeOrigin, invocationCount: 0 };
}

/**
 * The stable instance identifier of records: the platform's own id where it has one (Lambda log
 * stream, Azure WEBSITE_INSTANCE_ID, pod hostname), joined with the module-init UUID so that two
 * processes on one platform host never share an identifier.
 */
export function instanceIdentifier(platformInstanceId: string | undefined, state: InstanceState): string {
  return platformInstanceId ? `${platformInstanceId}:${state.uuid}` : state.uuid;
}
