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
