/**
 * The `apps` phase's question, "does every function app answer with its function's key yet?",
 * asked of the four apps at once (each Linux Consumption host starts on its own, so one slow host
 * must not hold up the others' polls, nor add its wait to theirs).
 *
 * While the hosts start, ARM relays what the Functions runtime answers, and that is not a failure:
 * - 404, or 400 ("Encountered an error … from host runtime"): the runtime has not indexed the
 *   function yet. The app gets a trigger sync, which an app running from a package URL needs.
 * - 408, 429, any 5xx (a 502 while the host boots), a failed send, or no answer within
 *   `callTimeoutMs`: the host is not up yet. The app gets a trigger sync too (harmless if early).
 * Either way the function is "not ready yet" with what was seen; the readiness deadline decides when
 * waiting ends. Anything else (403, 409, …) is a ProvisionFailedError, its message redacted.
 */
import type { WebSiteManagementClient } from '@azure/arm-appservice';
import { LAB_FUNCTION_NAMES, type LabFunctionName } from '../../../lab-functions/names';
import { errorCodeOf } from '../../errors/describe';
import { redactCredentials } from '../../errors/redact';
import { azureStatusCode, isTransientAzureError } from '../azure/transient';
import { ProvisionFailedError } from '../errors';

/** What {@link pollFunctionKeys} needs. */
export interface FunctionKeyPollOptions {
  web: WebSiteManagementClient;
  resourceGroup: string;
  /** The function app of each lab function. */
  apps: Readonly<Record<LabFunctionName, string>>;
  /** How long one ARM call about a function may take before that function counts as not answering yet, in ms. */
  callTimeoutMs: number;
}

/** Every function's `default` key, or which functions are not ready yet and what each answered. */
export type FunctionKeysPoll = { keys: Record<LabFunctionName, string> } | { waiting: string; notReady: Partial<Record<LabFunctionName, string>> };

type OneFunction = { fn: LabFunctionName; key: string } | { fn: LabFunctionName; seen: string } | { fn: LabFunctionName; fatal: { what: string; error: unknown } };

const MAX_MESSAGE_CHARS = 2000;

/** Poll the four functions in parallel (see the file comment). */
export async function pollFunctionKeys(options: FunctionKeyPollOptions): Promise<FunctionKeysPoll> {
  const polled = await Promise.all(LAB_FUNCTION_NAMES.map((fn) => pollOne(options, fn)));
  const keys: Partial<Record<LabFunctionName, string>> = {};
  const notReady: Partial<Record<LabFunctionName, string>> = {};
  for (const one of polled) {
    if ('key' in one) keys[one.fn] = one.key;
    else if ('seen' in one) notReady[one.fn] = one.seen;
  }
  const fatal = polled.find((one): one is Extract<OneFunction, { fatal: unknown }> => 'fatal' in one);
  if (fatal) throw failedError(fatal.fatal.what, fatal.fatal.error, Object.values(keys));
  const waiting = Object.entries(notReady).map(([fn, seen]) => `${fn} (${seen})`);
  if (waiting.length) return { waiting: `not ready yet: ${waiting.join(', ')}; their triggers were synced`, notReady };
  return { keys: keys as Record<LabFunctionName, string> };
}

/**
 * A function's `default` key. ARM answers `{ default: … }` at the top level, while the SDK's
 * StringDictionary expects `properties`, so the raw body is read as well.
 */
export async function readDefaultFunctionKey(web: WebSiteManagementClient, resourceGroup: string, app: string, fn: string, abortSignal?: AbortSignal): Promise<string | undefined> {
  let body: unknown;
  const listed = await web.webApps.listFunctionKeys(resourceGroup, app, fn, {
    abortSignal,
    onResponse: (response) => {
      body = response.parsedBody ?? parseJson(response.bodyAsText ?? undefined);
    },
  });
  const key = listed.properties?.default ?? (body as { default?: unknown } | undefined)?.default ?? (body as { properties?: { default?: unknown } } | undefined)?.properties?.default;
  return typeof key === 'string' && key ? key : undefined;
}

async function pollOne(options: FunctionKeyPollOptions, fn: LabFunctionName): Promise<OneFunction> {
  const { web, resourceGroup, apps, callTimeoutMs } = options;
  const app = apps[fn];
  let seen: string;
  const keyCall = AbortSignal.timeout(callTimeoutMs);
  try {
    const key = await readDefaultFunctionKey(web, resourceGroup, app, fn, keyCall);
    if (key) return { fn, key };
    seen = 'no default key yet';
  } catch (error) {
    const notYet = notReadyYet(error, keyCall, callTimeoutMs);
    if (notYet === undefined) return { fn, fatal: { what: `list the keys of ${fn} in ${app}`, error } };
    seen = notYet;
  }
  const syncCall = AbortSignal.timeout(callTimeoutMs);
  try {
    await web.webApps.syncFunctionTriggers(resourceGroup, app, { abortSignal: syncCall });
  } catch (error) {
    const notYet = notReadyYet(error, syncCall, callTimeoutMs);
    if (notYet === undefined) return { fn, fatal: { what: `sync the triggers of ${app}`, error } };
    seen = `${seen}; trigger sync: ${notYet}`;
  }
  return { fn, seen };
}

/** What a not-ready-yet answer looked like (`not indexed: HTTP 404 NotFound`, `HTTP 502 BadGateway`, …), undefined for a real failure. */
function notReadyYet(error: unknown, signal: AbortSignal, callTimeoutMs: number): string | undefined {
  if (signal.aborted) return `no answer within ${callTimeoutMs / 1000} s`;
  const status = azureStatusCode(error);
  const code = errorCodeOf(error);
  const answer = status === undefined ? (code ?? 'no answer') : `HTTP ${status}${code ? ` ${code}` : ''}`;
  if (status === 404 || status === 400) return `not indexed: ${answer}`;
  if (isTransientAzureError(error)) return answer;
  return undefined;
}

function failedError(what: string, error: unknown, keys: readonly string[]): ProvisionFailedError {
  const status = azureStatusCode(error);
  const message = error instanceof Error ? error.message : String(error);
  const text = redactCredentials(`${what}: ${status === undefined ? '' : `HTTP ${status}: `}${message}`, keys);
  return new ProvisionFailedError(text.length > MAX_MESSAGE_CHARS ? `${text.slice(0, MAX_MESSAGE_CHARS)}…` : text);
}

function parseJson(text: string | undefined): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
