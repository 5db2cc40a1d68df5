import type { Experiment } from './define';

export class InvalidParamError extends Error {
  override name = 'InvalidParamError';
}

/**
 * An experiment's parameters: its defaults, then the quick profile's overrides (with `--quick`),
 * then the caller's. Unknown names are refused, so a typo never silently runs the default.
 */
export function resolveParams(experiment: Experiment, options: { quick: boolean; overrides: Record<string, unknown> }): Record<string, unknown> {
  const known = Object.keys(experiment.params.shape);
  const overrides = withAliasesResolved(experiment, options.overrides, known);
  const unknown = Object.keys(overrides).filter((name) => !known.includes(name));
  if (unknown.length) {
    throw new InvalidParamError(`${experiment.name} has no parameter ${unknown.join(', ')}; its parameters: ${known.join(', ')}`);
  }
  const input = { ...(options.quick ? experiment.quick.params : {}), ...overrides };
  const parsed = experiment.params.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidParamError(`${experiment.name}: parameter ${issue?.path.join('.') || '?'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data as Record<string, unknown>;
}

/**
 * Other names accepted for a parameter: `coldTimeS`, the cold-start issue's and the original's
 * short form, for `coldTimeSeconds`.
 */
const PARAM_ALIASES: Readonly<Record<string, string>> = { coldTimeS: 'coldTimeSeconds' };

function withAliasesResolved(experiment: Experiment, overrides: Record<string, unknown>, known: readonly string[]): Record<string, unknown> {
  const resolved: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(overrides)) {
    const target = Object.hasOwn(PARAM_ALIASES, name) ? PARAM_ALIASES[name] : undefined;
    if (target === undefined || !known.includes(target)) {
      resolved[name] = value;
      continue;
    }
    if (Object.hasOwn(overrides, target)) throw new InvalidParamError(`${experiment.name}: give ${target} or ${name}, not both`);
    resolved[target] = value;
  }
  return resolved;
}

/**
 * `key=value` pairs from the command line. Values are read as JSON where they parse (`50`,
 * `[4,8]`, `true`, `"x"`), else as plain strings (`function2`).
 */
export function parseKeyValues(pairs: readonly string[], what: string): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new InvalidParamError(`${what} "${pair}" must be key=value`);
    const key = pair.slice(0, at).trim();
    const raw = pair.slice(at + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      // A plain string.
    }
    result[key] = value;
  }
  return result;
}
