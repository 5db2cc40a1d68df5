/**
 * The timed HTTP invoker the Benchmarker drives: one undici `Pool` per origin (keep-alive, one
 * request at a time per connection — undici's `pipelining: 1`; its `pipelining: 0` would turn
 * keep-alive off), requests sent with `pool.dispatch` and a small handler object, no streams,
 * no global fetch (toolchain notes §6: fetch costs ~10× client overhead).
 *
 * Timestamps (epoch ms, sub-ms: `performance.timeOrigin + performance.now()`), final attempt only:
 * - `sendAt`: the handler's `onRequestSent`, which undici calls right after its synchronous
 *   `socket.write` of headers and body (one corked writev) returned, i.e. when the request was
 *   handed to the socket. It comes after connect/TLS, so a handshake is never inside a
 *   measurement, even on a connection that was not warmed;
 * - `firstByteAt`: `onHeaders` (status line and headers parsed);
 * - `endAt`: `onComplete` (body fully read).
 *
 * Retries: only when no response byte came and the failure is a connection-level one where
 * resending is safe (`ECONNRESET`/`EPIPE`/undici's `other side closed` on a reused keep-alive
 * socket, `ECONNREFUSED`), up to `connectionRetries` more attempts. Throttles, HTTP errors and
 * timeouts are results, never retried. One deadline (`timeoutMs`) covers all attempts; past it the
 * answer is `{status:'timeout', errorType:'ClientTimeout'}` and the request is aborted.
 *
 * Warm-up: unless n idle connections are open already, `warm(fn, n)` sends n lightweight requests
 * at once to the function's origin — `GET /healthz` on an OpenFaaS-API gateway (local, openfaas),
 * `OPTIONS <function path>` without credentials elsewhere (answered by API Gateway / the Functions
 * front end without running the function). All n are in flight together, so the pool gives each
 * its own connection and keeps them open (keep-alive). warm() returns once those connections are
 * reusable again (undici frees a connection one event-loop turn after its answer). A following
 * `invokeConcurrently(n)` hands all n requests to n idle connections in one synchronous dispatch
 * loop. (undici has no public "pre-connect"; a custom connector handing out pre-opened sockets
 * would still connect asynchronously, after the loop; real requests also prove the connections
 * work, and `sendAt` never includes a handshake anyway.)
 *
 * Release: undici ≥ 7.28 writes a request on a reused keep-alive socket only after one check phase
 * (`setImmediate`, its idle-socket validation against stale sockets, GHSA-35p6-xmwp-9g52). So the
 * n writes of a batch all happen back to back in the check phase right after the dispatch loop,
 * with no I/O processed in between; the spread of their `sendAt`s is n socket writes.
 *
 * Connections per origin are capped by `connectionsPerOrigin`; requests beyond it wait in the
 * pool for a free connection (that wait is before `sendAt`, so outside the timing).
 *
 * Secrets: every provider secret is redacted from any body text and error message kept.
 */
import { performance } from 'node:perf_hooks';
import { type Dispatcher, Pool } from 'undici';
import { redact } from '../providers/shared';
import type { Classified, Provider, ProviderRequest } from '../providers/types';

export interface TimedAnswer {
  /** Tries made; retries are never inside the timing. */
  attempts: number;
  httpStatus: number | null;
  /** Epoch ms (sub-ms) when the request was written to the socket, on the final attempt. */
  sendAt: number | null;
  /** Response headers received. */
  firstByteAt: number | null;
  /** Body fully read. */
  endAt: number | null;
  bodyText: string | null;
  /** `provider.classify(...)`, or for client-side failures `{status:'timeout'|'error', errorType, errorMessage}`. */
  classified: Classified;
}

export interface InvokerOptions {
  /** Longest an invocation may take, all attempts included. @default 16 min */
  timeoutMs?: number;
  /** Most connections per origin (the largest batch released at once). @default 256 */
  connectionsPerOrigin?: number;
  /** Extra attempts after a connection-level failure with no response. @default 2 */
  connectionRetries?: number;
  /** Idle time after which the client closes a keep-alive connection (unless the server hints less). @default 30 s */
  keepAliveTimeoutMs?: number;
}

export const DEFAULT_TIMEOUT_MS = 16 * 60 * 1000;
export const DEFAULT_CONNECTIONS_PER_ORIGIN = 256;
export const DEFAULT_CONNECTION_RETRIES = 2;

/** Error codes of connection failures after which no response came and resending is safe. */
const RETRYABLE_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'UND_ERR_SOCKET']);

const TIME_ORIGIN = performance.timeOrigin;
/** Longest delay setTimeout honours (larger ones fire at once). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The invoker was used after `close()`, or closed while a request was in flight. */
export class InvokerClosedError extends Error {
  override name = 'InvokerClosedError';
}

/** Some warm-up requests failed at the connection level (after one retry each). */
export class WarmUpError extends Error {
  override name = 'WarmUpError';
}

class ClientTimeoutError extends Error {
  override name = 'ClientTimeoutError';
}

/** Everything needed to send one function's requests, computed once per function name. */
interface Target {
  pool: Pool;
  request: ProviderRequest;
  /** `dispatch` options without the body. */
  path: string;
  headers: string[];
}

/** What a call needs of its invoker (kept small so the per-request objects stay cheap). */
interface CallContext {
  provider: Provider;
  secrets: readonly string[];
  timeoutMs: number;
  maxAttempts: number;
}

export class Invoker {
  readonly #provider: Provider;
  readonly #context: CallContext;
  readonly #connections: number;
  readonly #keepAliveTimeoutMs: number;
  readonly #pools = new Map<string, Pool>();
  readonly #targets = new Map<string, Target>();
  #closed = false;

  constructor(provider: Provider, options: InvokerOptions = {}) {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const connections = options.connectionsPerOrigin ?? DEFAULT_CONNECTIONS_PER_ORIGIN;
    const retries = options.connectionRetries ?? DEFAULT_CONNECTION_RETRIES;
    if (!(timeoutMs > 0) || timeoutMs > MAX_TIMER_MS) throw new RangeError(`timeoutMs must be a number of milliseconds from 1 to ${MAX_TIMER_MS}`);
    if (!Number.isInteger(connections) || connections < 1) throw new RangeError('connectionsPerOrigin must be a positive integer');
    if (!Number.isInteger(retries) || retries < 0 || retries > 10) throw new RangeError('connectionRetries must be an integer from 0 to 10');
    this.#provider = provider;
    this.#connections = connections;
    this.#keepAliveTimeoutMs = options.keepAliveTimeoutMs ?? 30_000;
    this.#context = { provider, secrets: provider.secrets.filter(Boolean), timeoutMs, maxAttempts: retries + 1 };
  }

  /**
   * Make sure at least `connections` keep-alive connections to the function's origin are open and
   * fresh: that many lightweight requests at once (see the file comment). Resolves when all have
   * been answered; rejects with {@link WarmUpError} if some could not even connect.
   */
  async warm(functionName: string, connections: number): Promise<void> {
    const target = this.#target(functionName);
    const n = Math.min(Math.max(0, Math.floor(connections)), this.#connections);
    if (n === 0) return;
    const warmUp = warmRequestFor(this.#provider, target.request);
    let errors: Error[] = [];
    // Nothing to send when n idle connections are open already (the Benchmarker warms before
    // every batch). A second round only if a stale connection was dropped under a warm-up request
    // and its retry went to a connection another warm-up request had already freed.
    for (let round = 0; !(await freeConnections(target.pool, n)) && round < 2; round++) {
      const results: Promise<Error | undefined>[] = [];
      for (let i = 0; i < n; i++) results.push(warmOnce(target.pool, warmUp, 2));
      errors = (await Promise.all(results)).filter((error): error is Error => error !== undefined);
      if (errors.length) break;
    }
    if (errors.length) {
      const first = errors[0] as Error;
      throw new WarmUpError(redact(`${errors.length} of ${n} warm-up connections to ${target.request.origin} failed: ${describe(first)}`, this.#context.secrets));
    }
  }

  /** One invocation, timed. Never rejects for a platform or network failure: those are answers. */
  invoke(functionName: string, payload: unknown): Promise<TimedAnswer> {
    let target: Target;
    let body: Buffer;
    try {
      target = this.#target(functionName);
      body = encode(payload);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<TimedAnswer>((resolve) => new Call(this.#context, target, body, resolve).start());
  }

  /**
   * `n` invocations released together: every request is handed to its connection in one
   * synchronous loop before any answer is awaited (call {@link warm} with `n` first so each finds
   * an open connection); undici then writes them back to back in the next check phase. Answers
   * come back in request order.
   */
  invokeConcurrently(functionName: string, n: number, payload: unknown): Promise<TimedAnswer[]> {
    if (!Number.isInteger(n) || n < 1) return Promise.reject(new RangeError(`invokeConcurrently needs a positive integer count, got ${n}`));
    let target: Target;
    let body: Buffer;
    try {
      target = this.#target(functionName);
      body = encode(payload);
    } catch (error) {
      return Promise.reject(error);
    }
    const calls: Promise<TimedAnswer>[] = new Array(n);
    for (let i = 0; i < n; i++) calls[i] = new Promise<TimedAnswer>((resolve) => new Call(this.#context, target, body, resolve).start());
    return Promise.all(calls);
  }

  /** Close every connection. Requests still in flight end as errors (`InvokerClosedError`). */
  async close(): Promise<void> {
    this.#closed = true;
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    this.#targets.clear();
    await Promise.all(pools.map((pool) => pool.destroy(new InvokerClosedError('invoker closed'))));
  }

  /** Open connections per origin (for diagnostics and tests). */
  stats(): Record<string, { connected: number; running: number; size: number }> {
    const result: Record<string, { connected: number; running: number; size: number }> = {};
    for (const [origin, pool] of this.#pools) result[origin] = { connected: pool.stats.connected, running: pool.stats.running, size: pool.stats.size };
    return result;
  }

  #target(functionName: string): Target {
    if (this.#closed) throw new InvokerClosedError('invoker is closed');
    let target = this.#targets.get(functionName);
    if (target) return target;
    const request = this.#provider.requestFor(functionName);
    const headers: string[] = [];
    for (const [key, value] of Object.entries(request.headers)) headers.push(key.toLowerCase(), value);
    if (!headers.some((value, i) => i % 2 === 0 && value === 'content-type')) headers.push('content-type', 'application/json');
    target = { pool: this.#pool(request.origin), request, path: request.path, headers };
    this.#targets.set(functionName, target);
    return target;
  }

  #pool(origin: string): Pool {
    let pool = this.#pools.get(origin);
    if (!pool) {
      pool = new Pool(origin, {
        connections: this.#connections,
        pipelining: 1,
        keepAliveTimeout: this.#keepAliveTimeoutMs,
        keepAliveMaxTimeout: 10 * 60_000,
        // The invoker's own deadline governs; undici's 300 s defaults would cut long invocations.
        headersTimeout: 0,
        bodyTimeout: 0,
        connect: { timeout: 30_000, keepAlive: true, noDelay: true },
      });
      this.#pools.set(origin, pool);
    }
    return pool;
  }
}

/**
 * Whether `pool` has `n` idle connections, once the ones that just answered are reusable: undici
 * lets a keep-alive connection take its next request only one event-loop turn after an answer
 * (setImmediate), and a batch dispatched before that would find them busy and open new ones.
 */
async function freeConnections(pool: Pool, n: number): Promise<boolean> {
  for (let turn = 0; turn < 20; turn++) {
    const { free, connected } = pool.stats;
    if (free >= n) return true;
    if (connected <= free) return false;
    await new Promise((resolve) => setImmediate(resolve));
  }
  return pool.stats.free >= n;
}

function encode(payload: unknown): Buffer {
  return Buffer.from(JSON.stringify(payload ?? {}) ?? '{}', 'utf8');
}

/**
 * One invocation: its deadline, its attempts and its answer. Each attempt is its own handler
 * object, so a late callback of an abandoned attempt can never touch the next one.
 */
class Call {
  attempts = 0;
  current: Attempt | undefined;
  done = false;
  timer: NodeJS.Timeout | undefined;

  constructor(
    readonly context: CallContext,
    readonly target: Target,
    readonly body: Buffer,
    readonly resolve: (answer: TimedAnswer) => void,
  ) {}

  start(): void {
    this.dispatch();
    if (!this.done) this.timer = setTimeout(onCallTimeout, this.context.timeoutMs, this);
  }

  dispatch(): void {
    this.attempts += 1;
    const attempt = new Attempt(this);
    this.current = attempt;
    // undici writes it on a free connection (on a reused one after its one-check-phase idle
    // validation) or queues it; a dispatch error (closed pool, bad options) comes through onError.
    this.target.pool.dispatch({ path: this.target.path, method: 'POST', headers: this.target.headers, body: this.body }, attempt);
  }

  complete(attempt: Attempt, endAt: number): void {
    if (this.done || attempt !== this.current) return;
    const { chunks } = attempt;
    let bodyText = chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : chunks.length === 0 ? '' : Buffer.concat(chunks).toString('utf8');
    const { secrets, provider } = this.context;
    for (let i = 0; i < secrets.length; i++) {
      if (bodyText.includes(secrets[i] as string)) {
        bodyText = redact(bodyText, secrets);
        break;
      }
    }
    const httpStatus = attempt.httpStatus ?? 0;
    let classified: Classified;
    try {
      classified = provider.classify(httpStatus, bodyText);
    } catch (error) {
      classified = { status: 'error', errorType: 'ClassificationError', errorMessage: redact(describe(error), secrets) };
    }
    if (classified.errorMessage && secrets.length) classified.errorMessage = redact(classified.errorMessage, secrets);
    this.finish({ attempts: this.attempts, httpStatus: attempt.httpStatus, sendAt: attempt.sendAt, firstByteAt: attempt.firstByteAt, endAt, bodyText, classified });
  }

  fail(attempt: Attempt, error: Error): void {
    if (this.done || attempt !== this.current) return;
    if (attempt.httpStatus === null && this.attempts < this.context.maxAttempts && isRetryable(error)) {
      this.dispatch();
      return;
    }
    this.finish({
      attempts: this.attempts,
      httpStatus: attempt.httpStatus,
      sendAt: attempt.sendAt,
      firstByteAt: attempt.firstByteAt,
      endAt: null,
      bodyText: null,
      classified: { status: 'error', errorType: errorTypeOf(error), errorMessage: redact(describe(error), this.context.secrets) },
    });
  }

  timeout(): void {
    if (this.done) return;
    const attempt = this.current;
    this.finish({
      attempts: this.attempts,
      httpStatus: attempt?.httpStatus ?? null,
      sendAt: attempt?.sendAt ?? null,
      firstByteAt: attempt?.firstByteAt ?? null,
      endAt: null,
      bodyText: null,
      classified: { status: 'timeout', errorType: 'ClientTimeout', errorMessage: `no complete answer within ${this.context.timeoutMs} ms` },
    });
    // Abort after settling, so the abort's own onError is ignored. A request still queued
    // or connecting is aborted in onConnect.
    attempt?.abort?.(new ClientTimeoutError(`no complete answer within ${this.context.timeoutMs} ms`));
  }

  finish(answer: TimedAnswer): void {
    this.done = true;
    if (this.timer) clearTimeout(this.timer);
    this.resolve(answer);
  }
}

function onCallTimeout(call: Call): void {
  call.timeout();
}

/**
 * undici's handler for one attempt: timestamps and body chunks. It uses undici's callback-style
 * handler methods (`onConnect`, `onRequestSent`, `onHeaders`, `onData`, `onComplete`, `onError`),
 * which undici's client calls directly: no wrapper object, no controller and no header parsing
 * per request (the `onRequestStart`/`onResponseStart` style goes through undici's UnwrapHandler),
 * and `onRequestSent` is the one hook that fires right after the request was written to the
 * socket. They are marked deprecated in undici 7's typings but are what undici uses internally;
 * should they go, `onRequestStart` (just before the write) is the replacement for `sendAt`.
 */
class Attempt implements Dispatcher.DispatchHandler {
  abort: ((error?: Error) => void) | undefined;
  sendAt: number | null = null;
  firstByteAt: number | null = null;
  httpStatus: number | null = null;
  chunks: Buffer[] = [];

  constructor(readonly call: Call) {}

  onConnect(abort: (error?: Error) => void): void {
    if (this.call.done || this.call.current !== this) {
      abort(new ClientTimeoutError('the call was already settled'));
      return;
    }
    this.abort = abort;
  }

  onRequestSent(): void {
    this.sendAt = TIME_ORIGIN + performance.now();
  }

  onHeaders(statusCode: number): boolean {
    if (this.firstByteAt === null) this.firstByteAt = TIME_ORIGIN + performance.now();
    this.httpStatus = statusCode;
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.chunks.push(chunk);
    return true;
  }

  onComplete(): void {
    this.call.complete(this, TIME_ORIGIN + performance.now());
  }

  onError(error: Error): void {
    this.call.fail(this, error);
  }
}

function isRetryable(error: Error): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && RETRYABLE_CODES.has(code);
}

/** `ECONNREFUSED`-style codes as they are; otherwise the error's class name (`SocketError`, …). */
function errorTypeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
  return error instanceof Error ? error.name || 'Error' : 'Error';
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error).slice(0, 500);
  const code = (error as { code?: unknown }).code;
  const text = typeof code === 'string' && !error.message.includes(code) ? `${error.message} (${code})` : error.message;
  return text.slice(0, 500);
}

/** The request that opens or refreshes a connection without invoking anything. */
interface WarmRequest {
  origin: string;
  path: string;
  method: 'GET' | 'OPTIONS';
}

/**
 * `GET /healthz` on an OpenFaaS-API gateway (the local platform and OpenFaaS answer it without
 * touching a function); elsewhere `OPTIONS` on the function's path without its key: API Gateway
 * (REST, key required) and the Azure Functions front end answer that themselves (403/404/405/CORS)
 * without running the function.
 */
export function warmRequestFor(provider: Provider, request: ProviderRequest): WarmRequest {
  if (provider.platform === 'local' || provider.platform === 'openfaas') return { origin: request.origin, path: '/healthz', method: 'GET' };
  return { origin: request.origin, path: request.path, method: 'OPTIONS' };
}

/** One warm-up request; resolves with the connection error if it got no answer even after `tries`. */
function warmOnce(pool: Pool, request: WarmRequest, tries: number): Promise<Error | undefined> {
  return new Promise((resolve) => {
    const handler: Dispatcher.DispatchHandler = {
      // undici treats a handler without onRequestStart as a legacy one.
      onRequestStart: () => undefined,
      onResponseEnd: () => resolve(undefined),
      onResponseError: (_controller, error) => {
        if (tries > 1 && isRetryable(error)) warmOnce(pool, request, tries - 1).then(resolve);
        else resolve(error);
      },
    };
    pool.dispatch({ path: request.path, method: request.method, headers: ['accept', '*/*'] }, handler);
  });
}
