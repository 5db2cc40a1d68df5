/**
 * Fake FaaS platforms for client tests: node:http servers on 127.0.0.1 (ephemeral ports) that
 * answer like each platform's front door does — status codes, headers and bodies — so providers
 * and the invoker are tested over real HTTP without any cloud:
 *
 * - {@link startFakeOpenFaas}: an OpenFaaS gateway (`GET /healthz`, `POST /function/<name>`), in
 *   two flavours: `openfaas` answers its own errors as plain text like the real gateway (404
 *   `error finding function …`, 502 `Can't reach service for: …`, 401 on bad basic auth), `local`
 *   as JSON `{error:{type,message}}` like the local platform's gateway (429
 *   `TooManyRequestsError`, 404 `FunctionNotFoundError`, 502, 503);
 * - {@link startFakeApiGateway}: API Gateway (REST) + Lambda proxy, `x-api-key` checked: 403
 *   `Forbidden`, 403 `Missing Authentication Token` for unknown routes/methods, 429, 502, 503, 504;
 * - {@link startFakeAzureFunctions}: Azure Functions HTTP triggers at `/api/<name>`,
 *   `x-functions-key` checked: 401 with an empty body, 429 and 500 with empty bodies, 503 HTML
 *   `Function host is not running.`
 *
 * Function answers are real lab-function answers: `createLabFunction` (lab-functions/core) runs the
 * request body with a trivial context, so a record map is built exactly as on a platform. A fake can
 * be told what to answer (`reply`, `replyNext`), delay answers, drop connections (destroy the socket
 * without answering), hold every answer until n requests have arrived (`holdUntil`), and it
 * records each request (method, path, headers, body, socket) and counts accepted sockets.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createLabFunction, type LabContext, type LabFunction } from '../lab-functions/core/run';
import type { InvocationRecord, ResponseBody } from '../lab-functions/core/records';

export interface ReceivedRequest {
  method: string;
  /** Path and query as sent. */
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** Which accepted socket (1, 2, …) carried it. */
  socket: number;
  /** The function it invoked, when it was an invocation (else null: health checks, warm-ups, bad routes). */
  functionName: string | null;
}

/** A raw HTTP answer. */
export interface RawAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

/**
 * What the fake answers to an invocation (after any `delayMs`):
 * - `records`: the lab function's own answer to the request body (200 with a record map, or its
 *   400 for an invalid input);
 * - `lab-error`: a record map whose root record carries `error` (status 500, as a lab function
 *   that failed answers);
 * - `invalid-input`: the lab's 400 `{error:{type:'InvalidInputError',…}}`;
 * - `drop`: the socket is destroyed without an answer;
 * - a platform answer by name (see each starter), or a `raw` answer.
 */
export type FakeReply<Canned extends string> =
  | { kind: 'records'; delayMs?: number }
  | { kind: 'lab-error'; delayMs?: number; error?: { type: string; message: string } }
  | { kind: 'invalid-input'; delayMs?: number }
  | { kind: 'drop'; delayMs?: number }
  | { kind: 'platform'; answer: Canned; delayMs?: number }
  | { kind: 'raw'; answer: RawAnswer; delayMs?: number };

export interface FakePlatform<Canned extends string = string> {
  /** `http://127.0.0.1:<port>`. */
  readonly origin: string;
  /** Every request received, in arrival order. */
  readonly received: ReceivedRequest[];
  /** The invocations among them. */
  readonly invocations: ReceivedRequest[];
  /** TCP connections accepted so far. */
  readonly socketsAccepted: number;
  /** TCP connections open now. */
  readonly socketsOpen: number;
  /** Answer every following invocation so (the default is `{kind:'records'}`). */
  reply(reply: FakeReply<Canned>): void;
  /** Answer the next invocations so, one each, before falling back to `reply`'s. */
  replyNext(...replies: FakeReply<Canned>[]): void;
  /**
   * Hold every invocation's answer until `n` invocations have arrived (counted from now); then
   * release them all at once, or (`reverse`) the last arrived first, each `staggerMs` after the
   * previous, so that answers complete in the opposite order of the requests.
   */
  holdUntil(n: number, options?: { order?: 'together' | 'reverse'; staggerMs?: number }): void;
  /** The canned platform answer by name (for assertions). */
  canned(answer: Canned, functionName?: string): RawAnswer;
  close(): Promise<void>;
}

/** The route decision of a personality: an invocation of a function, or a direct answer. */
type Routed = { invoke: string } | { answer: RawAnswer };

interface Personality<Canned extends string> {
  platform: string;
  route(method: string, path: string, headers: IncomingHttpHeaders): Routed;
  canned(answer: Canned, functionName: string): RawAnswer;
  successHeaders(): Record<string, string>;
}

const TEXT = { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' };
const JSON_TYPE = { 'content-type': 'application/json' };

function json(status: number, body: unknown, headers: Record<string, string> = {}): RawAnswer {
  return { status, headers: { ...JSON_TYPE, ...headers }, body: JSON.stringify(body) };
}

// ---------------------------------------------------------------------------------------------
// OpenFaaS gateway (real: plain text errors) and the local platform's gateway (JSON errors)

export type OpenFaasCanned = 'not-found' | 'unreachable' | 'throttled' | 'unavailable' | 'upstream-timeout';

export interface FakeOpenFaasOptions {
  /** `openfaas` answers errors as text like the real gateway; `local` as JSON like local/platform/gateway.ts. @default 'openfaas' */
  flavour?: 'openfaas' | 'local';
  /** Require `authorization: Basic base64(user:password)` on invocations. */
  basicAuth?: { user: string; password: string };
  /** Deployed function names; others are answered `not-found`. @default any name */
  functions?: string[];
}

export function startFakeOpenFaas(options: FakeOpenFaasOptions = {}): Promise<FakePlatform<OpenFaasCanned>> {
  const flavour = options.flavour ?? 'openfaas';
  const expectedAuth = options.basicAuth ? `Basic ${Buffer.from(`${options.basicAuth.user}:${options.basicAuth.password}`).toString('base64')}` : undefined;
  const personality: Personality<OpenFaasCanned> = {
    platform: flavour,
    route(method, path, headers) {
      if (path === '/healthz' && method === 'GET') return { answer: { status: 200, headers: TEXT, body: 'OK' } };
      const match = /^\/function\/([^/?]+)/.exec(path);
      if (!match) {
        return flavour === 'local'
          ? { answer: json(404, { error: { type: 'NotFound', message: `no route for ${method} ${path}` } }) }
          : { answer: { status: 404, headers: TEXT, body: '404 page not found\n' } };
      }
      const name = decodeURIComponent(match[1] as string);
      if (expectedAuth && headers.authorization !== expectedAuth) {
        return { answer: { status: 401, headers: { ...TEXT, 'www-authenticate': 'Basic realm="Restricted"' }, body: 'Unauthorized\n' } };
      }
      if (options.functions && !options.functions.includes(name)) return { answer: this.canned('not-found', name) };
      return { invoke: name };
    },
    canned(answer, name) {
      if (flavour === 'local') {
        switch (answer) {
          case 'not-found':
            return json(404, { error: { type: 'FunctionNotFoundError', message: `function ${name} is not deployed` } });
          case 'unreachable':
            return json(502, { error: { type: 'UpstreamError', message: `instance i-1 of ${name} failed: other side closed` } });
          case 'throttled':
            return json(429, { error: { type: 'TooManyRequestsError', message: `every instance of ${name} is busy and no new one may start` } });
          case 'unavailable':
            return json(503, { error: { type: 'FunctionUnavailableError', message: `${name} is being removed` } });
          case 'upstream-timeout':
            return json(500, { error: { type: 'Error', message: 'Headers Timeout Error' } });
        }
      }
      switch (answer) {
        case 'not-found':
          return { status: 404, headers: TEXT, body: `error finding function ${name}.openfaas-fn: server returned non-200 status code (404) for function, ${name}, body: \n` };
        case 'unreachable':
          return { status: 502, headers: TEXT, body: `Can't reach service for: ${name}.\n` };
        case 'throttled':
          return { status: 429, headers: TEXT, body: 'Concurrent request limit exceeded. Max concurrent requests: 1\n' };
        case 'unavailable':
          return { status: 503, headers: TEXT, body: `unable to scale function ${name}: no replicas available\n` };
        case 'upstream-timeout':
          return { status: 500, headers: TEXT, body: `Can't reach service for: ${name}. context deadline exceeded (Client.Timeout exceeded while awaiting headers)\n` };
      }
    },
    successHeaders: (): Record<string, string> =>
      flavour === 'local' ? { 'x-fb-instance-id': 'i-1', 'x-duration-seconds': '0.001000' } : { 'x-call-id': randomUUID(), 'x-duration-seconds': '0.001000', 'x-start-time': String(Date.now() * 1e6) },
  };
  return startFake(personality);
}

// ---------------------------------------------------------------------------------------------
// API Gateway (REST API, Lambda proxy integration, API key required)

export type ApiGatewayCanned = 'forbidden' | 'missing-token' | 'throttled' | 'limit-exceeded' | 'internal' | 'unavailable' | 'timeout';

export interface FakeApiGatewayOptions {
  apiKey: string;
  /** Stage path prefix, e.g. `/prod`. @default '' */
  stage?: string;
}

export function startFakeApiGateway(options: FakeApiGatewayOptions): Promise<FakePlatform<ApiGatewayCanned>> {
  const stage = options.stage ?? '';
  const apigw = (status: number, message: string, errorType: string): RawAnswer =>
    json(status, { message }, { 'x-amzn-requestid': randomUUID(), 'x-amzn-errortype': errorType, 'x-amz-apigw-id': 'Xk3pZGJ5oAMFf1w=' });
  const personality: Personality<ApiGatewayCanned> = {
    platform: 'aws-lambda',
    route(method, path, headers) {
      const match = new RegExp(`^${escapeRegExp(stage)}/([^/?]+)$`).exec(path);
      // A REST API answers methods and resources it does not define with this 403, before any key check.
      if (!match || method !== 'POST') return { answer: this.canned('missing-token', '') };
      if (headers['x-api-key'] !== options.apiKey) return { answer: this.canned('forbidden', '') };
      return { invoke: decodeURIComponent(match[1] as string) };
    },
    canned(answer) {
      switch (answer) {
        case 'forbidden':
          return apigw(403, 'Forbidden', 'ForbiddenException');
        case 'missing-token':
          return apigw(403, 'Missing Authentication Token', 'MissingAuthenticationTokenException');
        case 'throttled':
          return apigw(429, 'Too Many Requests', 'TooManyRequestsException');
        case 'limit-exceeded':
          return apigw(429, 'Limit Exceeded', 'LimitExceededException');
        case 'internal':
          return apigw(502, 'Internal server error', 'InternalServerErrorException');
        case 'unavailable':
          return apigw(503, 'Service Unavailable', 'ServiceUnavailableException');
        case 'timeout':
          return apigw(504, 'Endpoint request timed out', 'IntegrationTimeout');
      }
    },
    successHeaders: () => ({ 'x-amzn-requestid': randomUUID(), 'x-amz-apigw-id': 'Xk3pZGJ5oAMFf1w=', 'x-amzn-trace-id': 'Root=1-6746f0a1-0123456789abcdef01234567;Sampled=0' }),
  };
  return startFake(personality);
}

// ---------------------------------------------------------------------------------------------
// Azure Functions (HTTP triggers, function-level auth)

export type AzureCanned = 'unauthorized' | 'throttled' | 'internal' | 'host-down' | 'not-found';

export interface FakeAzureOptions {
  /** Function name (as in `/api/<name>`) → its function key. */
  functions: Record<string, string>;
}

const HOST_DOWN_HTML =
  '<!DOCTYPE html>\r\n<html>\r\n<head>\r\n<title>Service Unavailable</title>\r\n<style>body{font-family:Segoe UI,Arial}</style>\r\n</head>\r\n<body>\r\n<h1>Function host is not running.</h1>\r\n</body>\r\n</html>\r\n';

export function startFakeAzureFunctions(options: FakeAzureOptions): Promise<FakePlatform<AzureCanned>> {
  const empty = (status: number): RawAnswer => ({ status, headers: { 'request-context': 'appId=cid-v1:00000000-0000-0000-0000-000000000000' }, body: '' });
  const personality: Personality<AzureCanned> = {
    platform: 'azure-functions',
    route(method, path, headers) {
      const match = /^\/api\/([^/?]+)(\?.*)?$/.exec(path);
      const name = match ? decodeURIComponent(match[1] as string) : undefined;
      if (!name || !(name in options.functions)) return { answer: this.canned('not-found', '') };
      if (method !== 'POST' && method !== 'GET') return { answer: this.canned('not-found', name) };
      if (headers['x-functions-key'] !== options.functions[name]) return { answer: this.canned('unauthorized', name) };
      return { invoke: name };
    },
    canned(answer) {
      switch (answer) {
        case 'unauthorized':
          return empty(401);
        case 'throttled':
          return empty(429);
        case 'internal':
          return empty(500);
        case 'not-found':
          return empty(404);
        case 'host-down':
          return { status: 503, headers: { 'content-type': 'text/html' }, body: HOST_DOWN_HTML };
      }
    },
    successHeaders: () => ({ 'request-context': 'appId=cid-v1:00000000-0000-0000-0000-000000000000' }),
  };
  return startFake(personality);
}

// ---------------------------------------------------------------------------------------------
// The server

function startFake<Canned extends string>(personality: Personality<Canned>): Promise<FakePlatform<Canned>> {
  const received: ReceivedRequest[] = [];
  const invocations: ReceivedRequest[] = [];
  const labFunctions = new Map<string, LabFunction>();
  const queue: FakeReply<Canned>[] = [];
  let fallback: FakeReply<Canned> = { kind: 'records' };
  let hold: { until: number; reverse: boolean; staggerMs: number; waiting: (() => void)[] } | undefined;
  let socketsAccepted = 0;
  const sockets = new Set<Socket>();
  const socketIds = new WeakMap<Socket, number>();

  const context: LabContext = {
    platform: personality.platform,
    region: 'local',
    memoryMb: 128,
    platformInstanceId: undefined,
    invokeNested: () => Promise.reject(new Error('the fake platform makes no nested calls')),
  };
  const labFunction = (name: string): LabFunction => {
    let fn = labFunctions.get(name);
    if (!fn) {
      fn = createLabFunction({ name });
      labFunctions.set(name, fn);
    }
    return fn;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req);
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const routed = personality.route(method, path, req.headers);
    const request: ReceivedRequest = {
      method,
      path,
      headers: req.headers,
      body,
      socket: socketIds.get(req.socket) ?? 0,
      functionName: 'invoke' in routed ? routed.invoke : null,
    };
    received.push(request);
    if ('answer' in routed) return send(res, routed.answer);

    invocations.push(request);
    const reply = queue.shift() ?? fallback;
    if (hold) {
      const current = hold;
      await new Promise<void>((release) => {
        current.waiting.push(release);
        if (current.waiting.length >= current.until) {
          hold = undefined;
          const order = current.reverse ? [...current.waiting].reverse() : current.waiting;
          order.forEach((waiting, i) => {
            if (current.staggerMs) setTimeout(waiting, i * current.staggerMs);
            else waiting();
          });
        }
      });
    }
    if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
    switch (reply.kind) {
      case 'drop':
        req.socket.destroy();
        return;
      case 'platform':
        return send(res, personality.canned(reply.answer, routed.invoke));
      case 'raw':
        return send(res, reply.answer);
      case 'invalid-input': {
        const answer = await labFunction(routed.invoke).handle({ sleep: -1 }, context);
        return send(res, json(answer.statusCode, answer.body, personality.successHeaders()));
      }
      case 'records':
      case 'lab-error': {
        let input: unknown = {};
        try {
          input = body.trim() ? JSON.parse(body) : {};
        } catch {
          input = body;
        }
        const answer = await labFunction(routed.invoke).handle(reply.kind === 'records' ? input : {}, context);
        if (reply.kind === 'lab-error') {
          const responseBody = answer.body as ResponseBody;
          const root = responseBody[responseBody.root_identifier] as InvocationRecord;
          root.error = reply.error ?? { type: 'NestedInvocationError', message: 'function2 answered 500 without records' };
          return send(res, json(500, responseBody, personality.successHeaders()));
        }
        return send(res, json(answer.statusCode, answer.body, personality.successHeaders()));
      }
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  server.keepAliveTimeout = 60_000;
  server.on('connection', (socket: Socket) => {
    socketsAccepted += 1;
    socketIds.set(socket, socketsAccepted);
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        origin: `http://127.0.0.1:${port}`,
        received,
        invocations,
        get socketsAccepted() {
          return socketsAccepted;
        },
        get socketsOpen() {
          return sockets.size;
        },
        reply: (reply) => {
          fallback = reply;
        },
        replyNext: (...replies) => {
          queue.push(...replies);
        },
        holdUntil: (n, holdOptions = {}) => {
          hold = { until: n, reverse: holdOptions.order === 'reverse', staggerMs: holdOptions.staggerMs ?? 0, waiting: [] };
        },
        canned: (answer, functionName = 'function1') => personality.canned(answer, functionName),
        close: () =>
          new Promise<void>((done) => {
            for (const waiting of hold?.waiting ?? []) waiting();
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

function send(res: ServerResponse, answer: RawAnswer): void {
  const body = answer.body ?? '';
  res.writeHead(answer.status, { ...answer.headers, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
