/**
 * The monolith's feature step: resolve `run_function` (a name, or `random` picked from the seed),
 * fill in the feature's default `args`, run it, and report the record's monolith fields.
 *
 * As in the original, `monolith_result` is the result as a string cut to 100 characters; here
 * objects and arrays are written as JSON (Python wrote `str(result)`, e.g. `[[1, 2]]` with
 * spaces), and the JSON is produced only up to the cut, so a tree-level listing of half a million
 * values costs no more than its first 100 characters. `args` is re-checked against the catalog
 * (request validation normally does it first) so a direct caller cannot ask for a tree deep
 * enough to exhaust memory or the stack.
 */
import type { MonolithFields, MonolithRequest } from '../definition';
import { InvalidInputError, UnknownFeatureError } from '../errors';
import { FEATURES, resolveFeature } from './catalog';
import { runFeature } from './features';

/** Longest `monolith_result`. */
export const MAX_RESULT_LENGTH = 100;

export function runMonolith(request: MonolithRequest): MonolithFields {
  const feature = resolveFeature(request.runFunction, request.seed);
  if (!Object.hasOwn(FEATURES, feature)) throw new UnknownFeatureError(`no feature named ${String(feature)}`);
  const spec = FEATURES[feature];
  const args = request.args ?? spec.defaultArgs;
  if (!Number.isSafeInteger(args) || args < 0 || args > spec.maxArgs) {
    throw new InvalidInputError(`args: an integer in [0, ${spec.maxArgs}] for ${feature} (${spec.argsMeaning}), got ${args}`);
  }
  const { result, extra } = runFeature(feature, args, request.seed);
  return {
    function_called: feature,
    function_argument: args,
    seed: request.seed,
    monolith_result: compactString(result, MAX_RESULT_LENGTH),
    ...extra,
  };
}

/**
 * `String(value)` for primitives, `JSON.stringify(value)` for objects and arrays, cut to
 * `maxLength` characters. The JSON is written incrementally and stops at the cut, so it is cheap
 * for huge values and cannot loop on a cyclic one (every level writes at least one character).
 */
export function compactString(value: unknown, maxLength: number = MAX_RESULT_LENGTH): string {
  if (value === null || typeof value !== 'object') return String(value).slice(0, maxLength);
  const parts: string[] = [];
  let length = 0;
  // Each writer returns true once the cut is reached, so callers stop at once.
  const emit = (text: string): boolean => {
    parts.push(text);
    length += text.length;
    return length >= maxLength;
  };
  const leaf = (item: unknown): string => {
    if (typeof item === 'bigint') return String(item);
    return JSON.stringify(item) ?? 'null';
  };
  const skipped = (item: unknown): boolean => item === undefined || typeof item === 'function' || typeof item === 'symbol';
  const visit = (item: unknown): boolean => {
    if (item === null || typeof item !== 'object') return emit(leaf(item));
    if (typeof (item as { toJSON?: unknown }).toJSON === 'function') return emit(leaf(item));
    if (Array.isArray(item)) {
      if (emit('[')) return true;
      for (let i = 0; i < item.length; i++) {
        if (i > 0 && emit(',')) return true;
        const element: unknown = item[i];
        if (skipped(element) ? emit('null') : visit(element)) return true;
      }
      return emit(']');
    }
    if (emit('{')) return true;
    let first = true;
    for (const [key, entry] of Object.entries(item)) {
      if (skipped(entry)) continue;
      if (!first && emit(',')) return true;
      first = false;
      if (emit(`${JSON.stringify(key)}:`) || visit(entry)) return true;
    }
    return emit('}');
  };
  visit(value);
  return parts.join('').slice(0, maxLength);
}
