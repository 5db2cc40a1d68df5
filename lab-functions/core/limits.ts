/**
 * Documented bounds on lab-function input. Anything outside them is answered with HTTP 400
 * before any work starts, so a typo in an experiment cannot pin an instance for hours.
 */
export const LIMITS = {
  /** Longest `sleep` accepted, in seconds (AWS Lambda's own maximum timeout is 900 s). */
  maxSleepSec: 900,
  /** Longest `throughput_time` accepted, in seconds. */
  maxThroughputTimeSec: 900,
  /**
   * Deepest nesting accepted: a record's level may not exceed this. The root is level 0, so a
   * chain function1 → function2 → function3 → monolith reaches level 3.
   */
  maxNestingLevel: 8,
  /** Most entries in one `invoke_nested` list. */
  maxNestedFanOut: 16,
  /** Most nested calls in a whole request tree (all levels together). */
  maxNestedCallsTotal: 128,
  /** Longest `parent` string accepted. */
  maxParentLength: 256,
  /** Largest `seed` accepted (unsigned 32-bit). */
  maxSeed: 0xffffffff,
} as const;
