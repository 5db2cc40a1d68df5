import * as z from 'zod/mini';

/**
 * How a lab function finds the deployed name of a function it calls. Experiments name callees
 * logically (`function2`); a deployment names them per run (`fb-3f2a-function2`). The map wins,
 * then the prefix; a name that already carries the prefix, or is unknown to both, is used as is.
 */
export interface FunctionNameConfig {
  /** Logical name → deployed name. @default {} */
  names: Record<string, string>;
  /** Prepended to logical names not in `names`. @default '' */
  prefix: string;
}

const nameMapSchema = z.record(z.string().check(z.minLength(1)), z.string().check(z.minLength(1)));

/** Read `FB_FUNCTION_NAMES` (a JSON object) and `FB_FUNCTION_PREFIX` from an environment. */
export function functionNameConfigFromEnv(env: NodeJS.ProcessEnv): FunctionNameConfig {
  const raw = env.FB_FUNCTION_NAMES;
  let names: Record<string, string> = {};
  if (raw) {
    const parsed = nameMapSchema.safeParse(safeJson(raw));
    if (!parsed.success) throw new Error('FB_FUNCTION_NAMES must be a JSON object of function name → deployed name');
    names = parsed.data;
  }
  return { names, prefix: env.FB_FUNCTION_PREFIX ?? '' };
}

export function deployedFunctionName(config: FunctionNameConfig, logicalName: string): string {
  const mapped = config.names[logicalName];
  if (mapped) return mapped;
  if (!config.prefix || logicalName.startsWith(config.prefix)) return logicalName;
  return `${config.prefix}${logicalName}`;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
