import * as z from 'zod/mini';
import { LAB_FUNCTION_NAMES } from '../../names';

/**
 * How a lab function finds the deployed name of a function it calls. Experiments name callees
 * logically (`function2`); a deployment names them per run (`fb-3f2a-function2`). The map wins,
 * then the prefix; a name that already carries the prefix, or is unknown to both, is used as is.
 * The original's experiments named callees after their own deployment, `<experiment>-function2`
 * (its OpenFaaS functions kept the part after the last "-"): such a name means the lab function it
 * ends with, so the original's payloads work unchanged.
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

export function deployedFunctionName(config: FunctionNameConfig, requestedName: string): string {
  if (config.prefix && requestedName.startsWith(config.prefix)) return requestedName;
  const logicalName = labFunctionOf(requestedName);
  const mapped = config.names[logicalName];
  if (mapped) return mapped;
  if (!config.prefix) return logicalName;
  return `${config.prefix}${logicalName}`;
}

/** `coldstart-identifier-nested-function2` → `function2`; any other name as it is. */
function labFunctionOf(name: string): string {
  if ((LAB_FUNCTION_NAMES as readonly string[]).includes(name)) return name;
  const suffix = LAB_FUNCTION_NAMES.find((labName) => name.endsWith(`-${labName}`));
  return suffix ?? name;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
