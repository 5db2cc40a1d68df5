import * as z from 'zod/mini';
import { InvalidInputError } from './errors';
import { LIMITS } from './limits';
import { FEATURES, RUN_FUNCTION_VALUES, resolveFeature, type RunFunctionName } from './monolith/catalog';

/**
 * The lab-function request body (lab-functions/README.md), wire-compatible with the original's inputs.
 * Every field is optional; unknown fields (the original's examples send `StatusCode`) are ignored.
 */
export interface LabInput {
  /** Seconds to sleep. */
  sleep?: number;
  /** Seconds of busy CPU work. */
  throughput_time?: number;
  /** Nested calls, made one after another in this order. */
  invoke_nested?: NestedCallSpec[];
  /** Set by a calling function: the caller's record identifier. The root's parent is `root`. */
  parent?: string;
  /** Set by a calling function: the caller's own level; this record's level is one more. */
  level?: number;
  /** Monolith only: a named feature, or `random`. */
  run_function?: string;
  /** Monolith only: the feature's size argument. */
  args?: number;
  /** Monolith only: the random seed; required with `run_function`. */
  seed?: number;
}

export interface NestedCallSpec {
  function_name: string;
  invoke_payload?: LabInput;
}

const functionName = z.string().check(
  z.minLength(1),
  z.maxLength(128),
  z.regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'must be a function name (letters, digits, "-", "_", ".")'),
);

// zod/mini keeps the lab-function bundles small (about 20 KB instead of about 450 KB for classic
// zod), which matters because bundle size is itself a variable in the cold-start experiments.
const nestedCall: z.ZodMiniType<NestedCallSpec> = z.object({
  function_name: functionName,
  get invoke_payload() {
    return z.optional(labInput);
  },
});

const labInput: z.ZodMiniType<LabInput> = z.object({
  sleep: z.optional(z.number().check(z.gte(0), z.lte(LIMITS.maxSleepSec))),
  throughput_time: z.optional(z.number().check(z.gte(0), z.lte(LIMITS.maxThroughputTimeSec))),
  get invoke_nested() {
    return z.optional(z.array(nestedCall).check(z.maxLength(LIMITS.maxNestedFanOut)));
  },
  parent: z.optional(z.string().check(z.minLength(1), z.maxLength(LIMITS.maxParentLength))),
  level: z.optional(z.int().check(z.gte(0), z.lte(LIMITS.maxNestingLevel - 1))),
  run_function: z.optional(z.enum(RUN_FUNCTION_VALUES)),
  args: z.optional(z.int().check(z.gte(0))),
  seed: z.optional(z.int().check(z.gte(0), z.lte(LIMITS.maxSeed))),
});

/** What a valid request asks of this function, with the record's own level resolved. */
export interface ParsedRequest {
  input: LabInput;
  /** This record's level: 0 for a root call, the caller's level + 1 otherwise. */
  level: number;
  parent: string;
}

/**
 * Validate a request body for the function `functionName`. Throws {@link InvalidInputError}
 * naming the offending field; the adapters turn it into HTTP 400.
 */
export function parseLabInput(body: unknown, options: { functionName: string; isMonolith: boolean }): ParsedRequest {
  const normalized = body === undefined || body === null || body === '' ? {} : body;
  if (typeof normalized !== 'object' || Array.isArray(normalized)) {
    throw new InvalidInputError('request body must be a JSON object');
  }
  checkRawNesting(normalized);
  const result = labInput.safeParse(normalized);
  if (!result.success) {
    throw new InvalidInputError(describeIssue(result.error.issues[0]));
  }
  const input = result.data;
  const level = input.level === undefined ? 0 : input.level + 1;
  checkTreeBounds(input, level);
  checkMonolithFields(input, options, 'body');
  return { input, level, parent: input.parent ?? 'root' };
}

/**
 * Bound the nesting of the raw body before the recursive schema sees it: a chain of
 * `invoke_nested` thousands deep would otherwise overflow the validator's stack (a 502, not a
 * 400). Iterative, so any depth is answered with the same 400 as nine levels; the exact checks
 * (levels counted from the request's own `level`, the total of nested calls) follow validation.
 */
function checkRawNesting(body: object): void {
  const pending: { node: unknown; depth: number; path: string }[] = [{ node: body, depth: 0, path: 'body' }];
  let visited = 0;
  for (let next = pending.pop(); next; next = pending.pop()) {
    const calls = (next.node as { invoke_nested?: unknown }).invoke_nested;
    if (!Array.isArray(calls)) continue;
    for (const [index, call] of calls.entries()) {
      const childPath = `${next.path}.invoke_nested.${index}`;
      if (next.depth + 1 > LIMITS.maxNestingLevel) throw new InvalidInputError(`${childPath}: nesting deeper than ${LIMITS.maxNestingLevel} levels`);
      if (++visited > LIMITS.maxNestedCallsTotal) throw new InvalidInputError(`invoke_nested: more than ${LIMITS.maxNestedCallsTotal} nested calls in one request`);
      const payload = typeof call === 'object' && call !== null ? (call as { invoke_payload?: unknown }).invoke_payload : undefined;
      if (typeof payload === 'object' && payload !== null) pending.push({ node: payload, depth: next.depth + 1, path: `${childPath}.invoke_payload` });
    }
  }
}

function checkTreeBounds(input: LabInput, level: number): void {
  let total = 0;
  const walk = (node: LabInput, nodeLevel: number, path: string): void => {
    for (const [index, call] of (node.invoke_nested ?? []).entries()) {
      const childPath = `${path}.invoke_nested.${index}`;
      total++;
      if (nodeLevel + 1 > LIMITS.maxNestingLevel) {
        throw new InvalidInputError(`${childPath}: nesting deeper than ${LIMITS.maxNestingLevel} levels`);
      }
      if (total > LIMITS.maxNestedCallsTotal) {
        throw new InvalidInputError(`invoke_nested: more than ${LIMITS.maxNestedCallsTotal} nested calls in one request`);
      }
      if (call.invoke_payload) {
        checkMonolithFields(call.invoke_payload, { functionName: call.function_name, isMonolith: isMonolithName(call.function_name) }, `${childPath}.invoke_payload`);
        walk(call.invoke_payload, nodeLevel + 1, `${childPath}.invoke_payload`);
      }
    }
  };
  walk(input, level, 'body');
}

/** Whether a (possibly prefixed, e.g. `exp-monolith`) function name denotes the monolith. */
export function isMonolithName(name: string): boolean {
  return name === 'monolith' || name.endsWith('-monolith');
}

function checkMonolithFields(input: LabInput, options: { functionName: string; isMonolith: boolean }, path: string): void {
  // `args` and `seed` without `run_function` are ignored, as on the original.
  if (input.run_function === undefined) return;
  if (!options.isMonolith) {
    throw new InvalidInputError(`${path}.run_function: only the monolith has features (function "${options.functionName}")`);
  }
  if (input.seed === undefined) {
    throw new InvalidInputError(`${path}.seed: required when run_function is given`);
  }
  const feature = resolveFeature(input.run_function as RunFunctionName, input.seed);
  const spec = FEATURES[feature];
  if (input.args !== undefined && input.args > spec.maxArgs) {
    throw new InvalidInputError(`${path}.args: at most ${spec.maxArgs} for ${feature} (${spec.argsMeaning})`);
  }
}

/** One readable line for a zod issue: the field's path and what was wrong with it. */
function describeIssue(issue: z.core.$ZodIssue | undefined): string {
  if (!issue) return 'body: invalid';
  const path = issue.path.length ? issue.path.join('.') : 'body';
  switch (issue.code) {
    case 'invalid_type':
      return `${path}: expected ${issue.expected === "int" ? "an integer" : `a ${issue.expected}`}`;
    case 'too_small':
      return issue.origin === 'array' || issue.origin === 'string'
        ? `${path}: must have at least ${issue.minimum} ${issue.origin === 'array' ? 'items' : 'characters'}`
        : `${path}: must be ${issue.inclusive ? '≥' : '>'} ${issue.minimum}`;
    case 'too_big':
      return issue.origin === 'array' || issue.origin === 'string'
        ? `${path}: must have at most ${issue.maximum} ${issue.origin === 'array' ? 'items' : 'characters'}`
        : `${path}: must be ${issue.inclusive ? '≤' : '<'} ${issue.maximum}`;
    case 'invalid_value':
      return `${path}: must be one of ${issue.values.join(', ')}`;
    case 'invalid_format':
      return `${path}: ${issue.message && issue.message !== 'Invalid input' ? issue.message : `invalid ${issue.format}`}`;
    default:
      return `${path}: ${issue.message}`;
  }
}
