/**
 * OpenFaaS adapter: an HTTP server for the of-watchdog in HTTP mode (`mode=http`,
 * `upstream_url=http://127.0.0.1:3000`). The watchdog forwards every request to it whatever the
 * path; GET and POST both run the function. The same server is what each local-platform
 * instance runs, so a local cold start is a real process start of this bundle.
 *
 * Identity: the pod hostname (`HOSTNAME`, or `FB_INSTANCE_ID` on the local platform) plus the
 * module-init UUID. Memory: `FB_MEMORY_MB`, else the pod's cgroup limit. Nested calls go back
 * through the gateway (`FB_GATEWAY_URL`, default the in-cluster `http://gateway.openfaas:8080`)
 * as `POST /function/<name>`, over one keep-alive connection pool.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { hostname } from 'node:os';
import type { LabFunctionDefinition } from '../../core/definition';
import { InvalidInputError, toErrorInfo } from '../../core/errors';
import type { LabInput } from '../../core/input';
import type { NestedInvoker } from '../../core/nested';
import { createLabFunction, type LabContext, type LabFunction } from '../../core/run';
import { parseJsonBody } from '../shared/body';
import { deployedFunctionName, type FunctionNameConfig, functionNameConfigFromEnv } from '../shared/function-names';
import { memoryMbFromEnv } from '../shared/memory';
import { PayloadTooLargeError, readRequestBody } from '../shared/read-body';
import { createKeepAliveAgents, destroyAgents, type KeepAliveAgents, postJson } from '../shared/post-json';

/** Largest request body accepted, in bytes (OpenFaaS's default max is larger; ours is ample). */
const MAX_BODY_BYTES = 6 * 1024 * 1024;
/** A nested call that has not answered in this long is given up (the longest valid sleep + margin). */
const NESTED_TIMEOUT_MS = 16 * 60 * 1000;

/** Configuration of the OpenFaaS adapter, read once from the environment at start. */
export interface OpenFaasConfig {
  platform: string;
  region: string;
  memoryMb: number;
  platformInstanceId: string;
  gatewayUrl: string;
  names: FunctionNameConfig;
  /** Optional basic-auth credentials for a gateway that requires them on /function/. */
  gatewayAuthorization: string | undefined;
}

export function openFaasConfigFromEnv(env: NodeJS.ProcessEnv): OpenFaasConfig {
  const user = env.FB_GATEWAY_USER;
  const password = env.FB_GATEWAY_PASSWORD;
  return {
    platform: env.FB_PLATFORM ?? 'openfaas',
    region: env.FB_REGION ?? 'unknown',
    memoryMb: memoryMbFromEnv(env),
    platformInstanceId: env.FB_INSTANCE_ID ?? env.HOSTNAME ?? hostname(),
    gatewayUrl: (env.FB_GATEWAY_URL ?? 'http://gateway.openfaas:8080').replace(/\/+$/, ''),
    names: functionNameConfigFromEnv(env),
    gatewayAuthorization: user && password ? `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` : undefined,
  };
}

/** The HTTP server for one lab function; not yet listening. */
export function createOpenFaasServer(definition: LabFunctionDefinition, config: OpenFaasConfig): Server {
  const labFunction = createLabFunction(definition);
  const agents = createKeepAliveAgents();
  const context: LabContext = {
    platform: config.platform,
    region: config.region,
    memoryMb: config.memoryMb,
    platformInstanceId: config.platformInstanceId,
    invokeNested: gatewayInvoker(config, agents),
  };
  const server = createServer((req, res) => {
    serve(labFunction, context, req, res).catch((error: unknown) => {
      // Only reachable if writing the answer itself failed; the request is lost either way.
      res.destroy(error instanceof Error ? error : undefined);
    });
  });
  server.on('close', () => destroyAgents(agents));
  return server;
}

async function serve(labFunction: LabFunction, context: LabContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.url === '/_/health' || req.url === '/healthz') {
    sendJson(res, 200, { status: 'ok' });
    return;
  }
  let body: unknown;
  try {
    body = req.method === 'GET' ? {} : parseJsonBody((await readRequestBody(req, MAX_BODY_BYTES)).toString('utf8'));
  } catch (error) {
    if (error instanceof InvalidInputError) {
      sendJson(res, error instanceof PayloadTooLargeError ? 413 : 400, { error: toErrorInfo(error) });
      return;
    }
    throw error;
  }
  // The caller may go away before the answer (a client timeout, a gateway that gave up): then
  // its nested calls stop too (lab-functions/core/nested.ts).
  const callerGone = new AbortController();
  const onClose = () => {
    if (!res.writableFinished) callerGone.abort();
  };
  res.on('close', onClose);
  const response = await labFunction.handle(body, { ...context, signal: callerGone.signal });
  res.off('close', onClose);
  if (callerGone.signal.aborted) return;
  sendJson(res, response.statusCode, response.body);
}

function sendJson(res: ServerResponse, statusCode: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(statusCode, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function gatewayInvoker(config: OpenFaasConfig, agents: KeepAliveAgents): NestedInvoker {
  return (functionName: string, payload: LabInput, signal?: AbortSignal) => {
    const name = deployedFunctionName(config.names, functionName);
    const headers: Record<string, string> = config.gatewayAuthorization ? { authorization: config.gatewayAuthorization } : {};
    return postJson(`${config.gatewayUrl}/function/${encodeURIComponent(name)}`, payload, { headers, agents, timeoutMs: NESTED_TIMEOUT_MS, signal });
  };
}
