import { FB_VERSION } from '../../lib/version';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { PayloadTooLargeError, readRequestBody } from '../../lab-functions/adapters/shared/read-body';
import { InvalidDeploymentError } from './deployments';
import {
  ForeignRequestError,
  type GatewayCredentials,
  GatewayUnauthorizedError,
  requireCredentials,
  requireJsonBody,
  requireSameOrigin,
  UnsupportedMediaTypeError,
} from './gateway-guard';
import { scalingSettings } from './options';
import { FunctionUnavailableError, TooManyRequestsError } from './function-pool';
import { InstanceStartError } from './instance';
import { FunctionExistsError, FunctionNotFoundError, type LocalPlatform } from './platform';

/** Largest request body the gateway accepts, in bytes (AWS Lambda's synchronous limit). */
const MAX_BODY_BYTES = 6 * 1024 * 1024;
/** Longest a function may take to answer (the longest valid lab-function work plus margin). */
const UPSTREAM_TIMEOUT_MS = 16 * 60 * 1000;

/** How much of a client's time and sockets the gateway gives before it answers. */
export interface GatewayLimits {
  /** Most open connections; more are closed as they arrive. @default 2048 */
  maxConnections: number;
  /** Longest a client may take to send a request's headers. @default 10 s */
  headersTimeoutMs: number;
  /** Longest a client may take to send a whole request, body included (not the answer's time). @default 30 s */
  requestTimeoutMs: number;
}

export const DEFAULT_GATEWAY_LIMITS: GatewayLimits = { maxConnections: 2048, headersTimeoutMs: 10_000, requestTimeoutMs: 30_000 };

export interface GatewayOptions {
  /** The credential of the `/system` routes that change what runs. */
  credentials: GatewayCredentials;
  limits?: Partial<GatewayLimits>;
}
const HOP_BY_HOP = new Set(['host', 'connection', 'keep-alive', 'transfer-encoding', 'content-length', 'upgrade', 'proxy-connection', 'te', 'trailer']);

class BadRequestError extends Error {
  override name = 'BadRequestError';
}

/**
 * The OpenFaaS gateway API over the local platform:
 * `GET|POST|PUT|DELETE /system/functions`, `GET /system/function/{name}`,
 * `POST /system/scale-function/{name}`, `ANY /function/{name}[/path]`, `GET /healthz`,
 * `GET /system/info`, and the read-only ground truth `GET /system/instances`, `GET /system/events`.
 */
export function createGateway(platform: LocalPlatform, options: GatewayOptions): Server {
  const limits = { ...DEFAULT_GATEWAY_LIMITS, ...options.limits };
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      // How often those two are checked; Node's default of 30 s would let a slow client overstay.
      connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs, limits.requestTimeoutMs),
      keepAliveTimeout: 65_000,
    },
    (req, res) => {
      route(platform, options.credentials, req, res).catch((error: unknown) => sendError(res, error));
    },
  );
  server.maxConnections = limits.maxConnections;
  return server;
}

/** A percent-encoded path segment, or 400 when its escapes are malformed (`%zz`, a lone `%`, bad UTF-8). */
function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new BadRequestError(`malformed percent-escape in the path segment "${segment.slice(0, 80)}"`);
  }
}

/** Routes that change what runs: they need the credential and a JSON body. */
const MUTATING_METHODS = new Set(['POST', 'PUT', 'DELETE', 'PATCH']);

async function route(platform: LocalPlatform, credentials: GatewayCredentials, req: IncomingMessage, res: ServerResponse): Promise<void> {
  requireSameOrigin(req, platform.settings.host);
  const url = new URL(req.url ?? '/', 'http://gateway');
  const path = url.pathname;
  const method = req.method ?? 'GET';

  const invoke = /^\/function\/([^/]+)(\/.*)?$/.exec(path);
  if (invoke) return invokeFunction(platform, decodePathSegment(invoke[1] as string), `${invoke[2] ?? '/'}${url.search}`, req, res);

  if (path.startsWith('/system/') && MUTATING_METHODS.has(method)) {
    requireCredentials(req, credentials);
    requireJsonBody(req);
  }

  if (path === '/healthz' && method === 'GET') return sendText(res, 200, 'OK');
  if (path === '/system/info' && method === 'GET') return sendJson(res, 200, info(platform));
  if (path === '/system/functions') {
    switch (method) {
      case 'GET':
        return sendJson(res, 200, platform.list());
      case 'POST':
        return sendJson(res, 202, platform.deploy(await readJson(req)));
      case 'PUT':
        return sendJson(res, 202, await platform.update(await readJson(req)));
      case 'DELETE': {
        const body = (await readJson(req)) as { functionName?: unknown };
        if (typeof body?.functionName !== 'string') throw new BadRequestError('body must be {"functionName": "<name>"}');
        await platform.remove(body.functionName);
        return sendJson(res, 202, { removed: body.functionName });
      }
    }
  }
  const functionStatus = /^\/system\/function\/([^/]+)$/.exec(path);
  if (functionStatus && method === 'GET') return sendJson(res, 200, platform.status(decodePathSegment(functionStatus[1] as string)));
  const scale = /^\/system\/scale-function\/([^/]+)$/.exec(path);
  if (scale && method === 'POST') {
    const body = (await readJson(req)) as { replicas?: unknown };
    const replicas = body?.replicas;
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0 || replicas > platform.settings.maxInstances) {
      throw new BadRequestError(`replicas must be an integer from 0 to ${platform.settings.maxInstances}`);
    }
    await platform.scale(decodePathSegment(scale[1] as string), replicas);
    return sendJson(res, 202, { replicas });
  }
  if (path === '/system/instances' && method === 'GET') return sendJson(res, 200, platform.instances(url.searchParams.get('function') ?? undefined));
  if (path === '/system/events' && method === 'GET') {
    const since = Number(url.searchParams.get('since') ?? 0);
    if (!Number.isInteger(since) || since < 0) throw new BadRequestError('since must be a non-negative integer');
    return sendJson(res, 200, platform.events.since(since));
  }
  sendJson(res, 404, { error: { type: 'NotFound', message: `no route for ${method} ${path}` } });
}

/** Proxy one invocation to an instance with room, starting one (a cold start) if the rules allow. */
async function invokeFunction(platform: LocalPlatform, name: string, upstreamPath: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const started = performance.now();
  const pool = platform.pool(name);
  const body = await readRequestBody(req, MAX_BODY_BYTES);
  pool.invocationCount += 1;
  const lease = await pool.acquire();
  // A caller that disconnects before the answer takes the upstream request with it, so the
  // instance sees its caller gone and stops its nested calls (lab-functions/core/nested.ts).
  const callerGone = new AbortController();
  const onClose = () => {
    if (!res.writableFinished) callerGone.abort();
  };
  res.on('close', onClose);
  try {
    await lease.instance.ready;
    const answer = await lease.instance.connection.request({
      path: upstreamPath,
      method: (req.method ?? 'POST') as 'POST',
      headers: forwardHeaders(req),
      body: body.length ? body : undefined,
      headersTimeout: UPSTREAM_TIMEOUT_MS,
      bodyTimeout: UPSTREAM_TIMEOUT_MS,
      signal: callerGone.signal,
    });
    const answerBody = Buffer.from(await answer.body.arrayBuffer());
    res.writeHead(answer.statusCode, {
      'content-type': String(answer.headers['content-type'] ?? 'application/octet-stream'),
      'content-length': answerBody.length,
      'x-duration-seconds': ((performance.now() - started) / 1000).toFixed(6),
      'x-fb-instance-id': lease.instance.id,
    });
    res.end(answerBody);
  } catch (error) {
    if (error instanceof InstanceStartError) throw error;
    if (callerGone.signal.aborted) return;
    throw new UpstreamError(`instance ${lease.instance.id} of ${name} failed: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    res.off('close', onClose);
    lease.release();
  }
}

class UpstreamError extends Error {
  override name = 'UpstreamError';
}

function forwardHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(req.headers)) {
    if (value === undefined || HOP_BY_HOP.has(key)) continue;
    headers[key] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

function info(platform: LocalPlatform) {
  const { settings } = platform;
  return {
    provider: { provider: 'faas-benchmarker-local', orchestration: 'local-processes', version: { release: FB_VERSION } },
    version: { release: FB_VERSION },
    arch: process.arch,
    settings: scalingSettings(settings),
  };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const text = (await readRequestBody(req, MAX_BODY_BYTES)).toString('utf8');
  if (!text.trim()) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new BadRequestError('request body is not valid JSON');
  }
}

const STATUS_BY_ERROR: [new (...args: never[]) => Error, number][] = [
  [BadRequestError, 400],
  [GatewayUnauthorizedError, 401],
  [ForeignRequestError, 403],
  [UnsupportedMediaTypeError, 415],
  [InvalidDeploymentError, 400],
  [FunctionNotFoundError, 404],
  [FunctionExistsError, 409],
  [PayloadTooLargeError, 413],
  [TooManyRequestsError, 429],
  [InstanceStartError, 502],
  [UpstreamError, 502],
  [FunctionUnavailableError, 503],
];

function sendError(res: ServerResponse, error: unknown): void {
  const status = STATUS_BY_ERROR.find(([type]) => error instanceof type)?.[1] ?? 500;
  const type = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (status === 401) res.setHeader('www-authenticate', 'Basic realm="faas-benchmarker local gateway"');
  sendJson(res, status, { error: { type, message } });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
