import type { FeatureName, RunFunctionName } from './monolith/catalog';

/** What the monolith is asked to run. */
export interface MonolithRequest {
  runFunction: RunFunctionName;
  /** `args` from the request, or undefined for the feature's default. */
  args: number | undefined;
  seed: number;
}

/** The monolith fields of a record. */
export interface MonolithFields {
  function_called: FeatureName;
  function_argument: number;
  seed: number;
  /** The feature's result as a string, at most 100 characters. */
  monolith_result: string;
  matrix_cpu_time_ms?: number;
  matrix_wall_time_ms?: number;
}

/**
 * A lab function, platform-free. function1–3 are the same body under three names; the monolith
 * adds its features (and, through them, its heavy dependencies).
 */
export interface LabFunctionDefinition {
  readonly name: string;
  readonly runFeature?: (request: MonolithRequest) => MonolithFields | Promise<MonolithFields>;
}
