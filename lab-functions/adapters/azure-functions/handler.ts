/**
 * Azure Functions adapter for the lab functions (Node.js v4 programming model, HTTP trigger).
 *
 * Event shape: an HTTP request (GET or POST) whose body is the lab input as JSON; an empty body is
 * an empty input. The answer is `{ status, jsonBody }` (JSON, `content-type: application/json`):
 * the records with 200 (500 when the function itself failed, with an `error` in its record), or
 * 400 `{ error: { type: 'InvalidInputError', message } }` for bad JSON or an invalid field.
 *
 * Identity and memory (read once, when the handler is created): `platform` is `azure-functions`;
 * `platform_instance_id` is `WEBSITE_INSTANCE_ID` (the App Service instance; absent locally);
 * `region` is `REGION_NAME` (else `unknown`); `memory_mb` is `FB_MEMORY_MB` if the deployment set
 * it, else `WEBSITE_MEMORY_LIMIT_MB`, else the cgroup / machine memory.
 *
 * Nested calls: an HTTPS POST of the payload (JSON) to the callee's function app, with its function
 * key in the `x-functions-key` header — never `?code=` in the URL, never the key in a payload —
 * through one keep-alive agent per handler. The callee's status and parsed body are
 * passed to the core whatever the status; a callee name missing from the configuration resolves
 * with 404 `UnknownFunctionError`; a network failure rejects (the core records it). Any occurrence
 * of a configured key in a callee's answer is redacted before the answer is used.
 *
 * Configuration variables:
 * - `FB_AZURE_FUNCTIONS` — JSON object, logical function name → `{ "url": "https://<app>.azurewebsites.net/api/<fn>", "key": "<function key>" }`.
 *   Validated when the handler is created; errors name the variable and the entry, never a key.
 *   `http://` is accepted only for loopback hosts (Core Tools, tests).
 * - `WEBSITE_INSTANCE_ID`, `REGION_NAME`, `WEBSITE_MEMORY_LIMIT_MB` — set by the platform.
 * - `FB_MEMORY_MB` — optional, the plan's memory in MB where the platform does not expose it.
 *
 * Logging: one line per invocation through `context.log` (function, status, identifier), never a
 * payload, a URL's query or a key.
 *
 * Registration: {@link registerAzureFunction} calls `app.http`. Outside the Functions host,
 * `@azure/functions` switches to "test mode": it prints a warning and skips the registration, it
 * does not throw, so importing an entry in a test or a script is safe.
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import * as z from 'zod/mini';
import type { LabFunctionDefinition } from '../../core/definition';
import { InvalidInputError, toErrorInfo } from '../../core/errors';
import type { LabInput } from '../../core/input';
import type { NestedInvoker, NestedResponse } from '../../core/nested';
import type { LabResponse } from '../../core/records';
import { createLabFunction } from '../../core/run';
import { parseJsonBody } from '../shared/body';
import { responseLogFields } from '../shared/log-fields';
import { memoryMbFromEnv } from '../shared/memory';
import { createKeepAliveAgents, type KeepAliveAgents, postJson } from '../shared/post-json';

export interface AzureHandlerOptions {
  /** The environment to read configuration from. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Agents for nested calls. @default keep-alive agents created for this handler */
  agents?: KeepAliveAgents;
}

export type AzureHttpHandler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;

/** One callee function app. */
export interface AzureFunctionTarget {
  url: string;
  key: string;
}

const REDACTED = '[redacted]';

/**
 * Build the HTTP handler of a lab function. Call once per process (module init): the instance
 * identity and the HTTP agent live as long as the worker.
 */
export function createAzureHandler(definition: LabFunctionDefinition, options: AzureHandlerOptions = {}): AzureHttpHandler {
  const env = options.env ?? process.env;
  const targets = azureFunctionsFromEnv(env);
  const keys = [...targets.values()].map((target) => target.key);
  const platformInstanceId = env.WEBSITE_INSTANCE_ID || undefined;
  const region = env.REGION_NAME || 'unknown';
  const memoryMb = positiveNumber(env.FB_MEMORY_MB) ?? positiveNumber(env.WEBSITE_MEMORY_LIMIT_MB) ?? memoryMbFromEnv(env);
  const agents = options.agents ?? createKeepAliveAgents();
  const labFunction = createLabFunction(definition);

  const invokeNested: NestedInvoker = async (functionName, payload) => {
    const target = targets.get(functionName);
    if (!target) {
      return {
        statusCode: 404,
        body: { error: { type: 'UnknownFunctionError', message: `no function app configured for ${functionName}` } },
      };
    }
    return postToFunctionApp(agents, target, payload, keys);
  };

  return async (httpRequest, context) => {
    let response: LabResponse;
    try {
      const body = parseJsonBody(await httpRequest.text());
      response = await labFunction.handle(body, { platform: 'azure-functions', region, memoryMb, platformInstanceId, invokeNested });
    } catch (error) {
      if (error instanceof InvalidInputError) {
        response = { statusCode: 400, body: { error: toErrorInfo(error) } };
      } else {
        // Not reachable through createLabFunction (it records a function's own failures); kept so
        // that a bug still answers with the lab's error shape.
        const info = redactInfo(toErrorInfo(error), keys);
        context.error(JSON.stringify({ message: 'lab invocation failed', function: definition.name, error: info }));
        response = { statusCode: 500, body: { error: info } };
      }
    }
    context.log(JSON.stringify({ message: 'lab invocation', function: definition.name, status: response.statusCode, ...responseLogFields(response) }));
    return { status: response.statusCode, jsonBody: response.body, headers: { 'content-type': 'application/json' } };
  };
}

/**
 * Register a lab function with the Functions host as an HTTP trigger named after it
 * (`/api/<name>`, function-level auth key, GET and POST). Call from the bundle's entry at module
 * load. Outside the host this only prints `@azure/functions`' test-mode warning.
 */
export function registerAzureFunction(definition: LabFunctionDefinition, options: AzureHandlerOptions = {}): AzureHttpHandler {
  const handler = createAzureHandler(definition, options);
  app.http(definition.name, { methods: ['GET', 'POST'], authLevel: 'function', handler });
  return handler;
}

// zod/mini, as in the core: bundle size is itself a variable of the cold-start experiments.
const targetSchema = z.object({
  url: z.string().check(z.refine(isAllowedUrl, 'must be an https:// URL (http:// only for localhost) without a "code" query parameter')),
  key: z.string().check(z.minLength(1, 'must be a non-empty function key')),
});
const targetsSchema = z.record(z.string().check(z.minLength(1)), targetSchema);

/**
 * Read `FB_AZURE_FUNCTIONS`: logical name → callee function app. Absent means no nested calls are
 * configured. Throws an error naming the variable and the offending entry, never a key or a URL.
 */
export function azureFunctionsFromEnv(env: NodeJS.ProcessEnv): Map<string, AzureFunctionTarget> {
  const raw = env.FB_AZURE_FUNCTIONS;
  if (raw === undefined || raw.trim() === '') return new Map();
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    // The parser's message quotes the input, which holds keys: do not pass it on.
    throw new Error('FB_AZURE_FUNCTIONS must be a JSON object of function name → { "url", "key" }: it is not valid JSON');
  }
  const result = targetsSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue?.path.length ? issue.path.map(String).join('.') : '(top level)';
    const what = issue?.code === 'custom' || issue?.path.at(-1) === 'key' ? issue.message : issue?.code === 'invalid_type' ? `expected ${issue.expected}` : 'invalid';
    throw new Error(`FB_AZURE_FUNCTIONS must be a JSON object of function name → { "url", "key" }: ${where}: ${what}`);
  }
  return new Map(Object.entries(result.data));
}

function isAllowedUrl(text: string): boolean {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return false;
  }
  if (url.searchParams.has('code') || url.username || url.password) return false;
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
}

/** Longest a nested call may take: Azure's front end cuts HTTP requests at 230 s anyway. */
const NESTED_TIMEOUT_MS = 240_000;

/** One nested call: POST the payload with the key in a header; resolve with whatever answered. */
async function postToFunctionApp(agents: KeepAliveAgents, target: AzureFunctionTarget, payload: LabInput, keys: string[]): Promise<NestedResponse> {
  let answer: NestedResponse;
  try {
    answer = await postJson(target.url, payload, {
      agents,
      timeoutMs: NESTED_TIMEOUT_MS,
      headers: { accept: 'application/json', 'x-functions-key': target.key },
    });
  } catch (error) {
    // No answer: reject, and the core records the failure. Its message names host and port only,
    // but make sure no key can travel into a record.
    if (error instanceof Error && keys.some((key) => error.message.includes(key))) error.message = redact(error.message, keys);
    throw error;
  }
  return { statusCode: answer.statusCode, body: redactValue(answer.body, keys) };
}

/** A parsed answer with every occurrence of a key replaced (through its JSON text). */
function redactValue(value: unknown, keys: string[]): unknown {
  if (value === undefined) return value;
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  if (!keys.some((key) => key && text.includes(key))) return value;
  const redacted = redact(text, keys);
  return typeof value === 'string' ? redacted : JSON.parse(redacted);
}

function redact(text: string, keys: string[]): string {
  let result = text;
  for (const key of keys) if (key) result = result.split(key).join(REDACTED);
  return result;
}

function redactInfo(info: { type: string; message: string }, keys: string[]): { type: string; message: string } {
  return { type: redact(info.type, keys), message: redact(info.message, keys) };
}

function positiveNumber(value: string | undefined): number | undefined {
  const number = Number(value);
  return value !== undefined && value !== '' && Number.isFinite(number) && number > 0 ? number : undefined;
}
