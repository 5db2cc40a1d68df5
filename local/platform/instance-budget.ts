/**
 * The local platform's default max instances per function, sized from the machine's memory rather
 * than a fixed 1,000: every instance is a Node process, and 30 replicas of function1 were measured
 * at 1.29 GB of resident memory (about 43 MB each), so a scale request for 1,000 asked for about
 * 43 GB — enough to push a laptop into swap or the OOM killer. The default lets one function's
 * instances take at most half the machine's memory, and never more than the 1,000 the platform
 * allowed before (Lambda's default concurrency quota per region is also 1,000). `maxInstances`
 * set explicitly still wins, and a scale request above the limit is answered 400.
 *
 * Examples: 8 GiB → 95 instances, 16 GiB → 190, 24 GiB → 285, 84 GiB and more → 1,000.
 */

/** Resident memory of one idle lab-function instance, measured (30 replicas: 1.29 GB), in MiB. */
export const INSTANCE_RESIDENT_MIB = 43;

/** The share of the machine's memory one function's instances may take by default. */
export const INSTANCE_MEMORY_SHARE = 0.5;

/** The default's ceiling: what the platform allowed before it was sized from memory. */
export const MAX_INSTANCES_CEILING = 1000;

const BYTES_PER_MIB = 1024 * 1024;

/** The default max instances per function on a machine with `totalMemoryBytes` of memory (at least 1). */
export function defaultMaxInstances(totalMemoryBytes: number): number {
  const fit = Math.floor((totalMemoryBytes * INSTANCE_MEMORY_SHARE) / (INSTANCE_RESIDENT_MIB * BYTES_PER_MIB));
  return Math.max(1, Math.min(MAX_INSTANCES_CEILING, fit));
}
