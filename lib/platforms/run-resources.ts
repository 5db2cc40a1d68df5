/**
 * How a run's cloud resources are named and tagged, on every platform: resources carry the run
 * tag, and their names start with the run's prefix, so one run's functions, stacks, resource
 * groups and client machines are found (and deleted) from the run id alone, and concurrent runs
 * never share one.
 */

/** The tag every resource of a run carries, with the run id as its value. */
export const RUN_TAG_KEY = 'faas-benchmarker:run';

/** The per-run name prefix: `fb-` and the run id's first 8 alphanumerics, lowercase (short and DNS-safe). */
export function runPrefixOf(runId: string): string {
  return `fb-${runId.replace(/[^a-z0-9]/gi, '').toLowerCase().slice(0, 8)}-`;
}

/** The logical id of a lab function's resources in a template (CloudFormation, ARM outputs): `function1` → `Function1`. */
export function logicalIdOf(functionName: string): string {
  return functionName.charAt(0).toUpperCase() + functionName.slice(1);
}

/**
 * The tag with a run resource's expiry, an ISO 8601 UTC time (`2026-11-29T16:00:00.000Z`): once it
 * has passed, the sweeper (lib/sweep) may delete the resource. Set beside {@link RUN_TAG_KEY}.
 */
export const EXPIRES_TAG_KEY = 'faas-benchmarker:expires';

/** OpenFaaS label with the run id (label keys and values cannot hold `:`). */
export const RUN_LABEL_KEY = 'faas-benchmarker/run';

/** OpenFaaS label with the expiry in epoch seconds (a label value cannot hold an ISO time's `:`). */
export const EXPIRES_LABEL_KEY = 'faas-benchmarker/expires';

/**
 * RunExperiment's execution timeout (the ASL's top-level `TimeoutSeconds`, 48 h; a test keeps the
 * two equal): no execution, and so no run, lives longer.
 */
export const RUN_EXECUTION_TIMEOUT_SECONDS = 172_800;

/**
 * Time past the execution timeout before a resource expires: CleanupExecution's own teardown
 * (its EventBridge event may be retried for up to 6 hours) must have had its chance first.
 */
export const RUN_EXPIRY_MARGIN_SECONDS = 6 * 3600;

/**
 * When a resource made now for a run expires: now + the execution timeout + the margin. A
 * resource is made after its run started, so this is never before run start + the run's maximum
 * lifetime; the experiment's expected duration is not used, as a run may legitimately outlast it.
 */
export function runExpiryOf(nowMs: number): Date {
  return new Date(nowMs + (RUN_EXECUTION_TIMEOUT_SECONDS + RUN_EXPIRY_MARGIN_SECONDS) * 1000);
}

/** The run tag and the expiry tag of a resource made now for a run, as a key → value map. */
export function runTagsOf(runId: string, nowMs: number): Record<string, string> {
  return { [RUN_TAG_KEY]: runId, [EXPIRES_TAG_KEY]: runExpiryOf(nowMs).toISOString() };
}

/** {@link runTagsOf} as the `[{ Key, Value }]` list the AWS APIs take. */
export function awsRunTagsOf(runId: string, nowMs: number): { Key: string; Value: string }[] {
  return Object.entries(runTagsOf(runId, nowMs)).map(([Key, Value]) => ({ Key, Value }));
}

/** The run and expiry labels of an OpenFaaS function deployed now for a run (expiry in epoch seconds). */
export function runLabelsOf(runId: string, nowMs: number): Record<string, string> {
  return { [RUN_LABEL_KEY]: runId, [EXPIRES_LABEL_KEY]: String(Math.floor(runExpiryOf(nowMs).getTime() / 1000)) };
}
