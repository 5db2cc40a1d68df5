/**
 * The timed HTTP invoker the Benchmarker drives. Two ways to the same origin:
 * - single invocations (`invoke`, and retries of any attempt) go through one undici `Pool` per
 *   origin (keep-alive, one request at a time per connection — undici's `pipelining: 1`; its
 *   `pipelining: 0` would turn keep-alive off), sent with `pool.dispatch` and a small handler
 *   object, no streams, no global fetch (a fetch loop measured 6.5k req/s against 32k for undici.request at 100 connections on this machine);
 * - batches (`invokeConcurrently`) go out over raw keep-alive sockets opened by `warm()`
 *   (raw-pool.ts, answers read by http1-parser.ts): the request is serialized once into one Buffer
 *   and written to n idle sockets in one synchronous loop. Through undici each request of a batch
 *   pays for its own request object, validation, handler plumbing and check-phase hop before its
 *   write. `npm run bench invoker` measures both side by side (a 256-way batch after warming 256
 *   connections, 20 batches per path, interleaved; same `sendAt` on both). In 15 runs on the
 *   project's 2-core machine, loaded by other test runs (load average 1–7), the median spread was
 *   2.5–7.1 ms through the raw path (median run 4.3 ms) against 3.5–12.5 ms through undici
 *   (6.2 ms) in the same runs: raw lower in every run (raw/undici 0.46–0.75; in 11–18 of each
 *   run's 20 paired batches), within the 5 ms target in 13 of 15 runs against undici's 4 (bare
 *   `socket.write` floor: 2.1–4.5 ms). Hence the raw path for batches.
 *
 * Timestamps (epoch ms, sub-ms: `performance.timeOrigin + performance.now()`), final attempt only:
 * - `sendAt`: when the request's write to its socket began. Always after connect/TLS (a handshake
 *   is never inside a measurement) and, on a reused undici connection, after undici's
 *   one-check-phase idle-socket validation. Raw path: right before its `socket.write`; undici: its
 *   `onRequestStart`, which undici calls synchronously on the connected socket just before it builds
 *   the head and writes head and body (one corked write). undici 7's controller-based handler API
 *   has no hook after the write (`onRequestSent`, which used to time it, is called on
 *   callback-style handlers only — undici's typings do not even list it — and the callback style is
 *   deprecated), so both paths take the time before the write: the write itself (one non-blocking
 *   send, microseconds on loopback) counts in `firstByteAt − sendAt`, and a batch's spread runs
 *   from its first write's start to its last write's start;
 * - `firstByteAt`: the status line and headers parsed (undici's `onResponseStart`; the raw parser's
 *   header block complete);
 * - `endAt`: the body fully read.
 *
 * Retries: only when no response byte came and the failure is a connection-level one where
 * resending is safe (`ECONNRESET`/`EPIPE`/`other side closed` on a reused keep-alive socket,
 * `ECONNREFUSED`), up to `connectionRetries` more attempts, always through undici (a raw attempt's
 * retry connects anew there, outside the timing). Throttles, HTTP errors and timeouts are results,
 * never retried. One deadline (`timeoutMs`, or the call's own `timeoutMs`) covers all attempts; past it the answer is
 * `{status:'timeout', errorType:'ClientTimeout'}` and the request is aborted (a raw connection is
 * destroyed).
 *
 * Warm-up: `warm(fn, n)` makes sure n idle raw connections to the function's origin are open.
 * Each missing one is connected (TLS handshake included) and sent one lightweight request —
 * `GET /healthz` on an OpenFaaS-API gateway (local, openfaas), `OPTIONS <function path>` without
 * credentials elsewhere (answered by API Gateway / the Functions front end without running the
 * function) — whose answer proves the connection works. Connections already idle are kept and not
 * re-sent anything (the Benchmarker warms before every batch), so warm() then costs one event-loop
 * turn, in which a FIN, RST or stray bytes already pending on an idle socket are processed and that
 * socket dropped.
 *
 * Release: `invokeConcurrently` waits one check phase (`setImmediate`) before writing — the same
 * idle-socket validation undici ≥ 7.28 does before reusing a keep-alive socket (GHSA-35p6-xmwp-9g52)
 * — then writes the batch to idle raw connections back to back, no I/O processed in between; the
 * spread of their `sendAt`s is n socket writes. Requests beyond the idle raw connections (no warm(),
 * or n above `connectionsPerOrigin`) go through undici, whose pool connects them or queues them.
 *
 * Connections per origin are capped by `connectionsPerOrigin`, for the raw pool and the undici pool
 * each; requests beyond it wait in the undici pool for a free connection (that wait is before
 * `sendAt`, so outside the timing).
 *
 * Secrets: every provider secret is redacted from any body text and error message kept.
 */
import { performance } from 'node:perf_hooks';
import { type Dispatcher, Pool, request as undiciRequest } from 'undici';
import { redact } from '../../lib/errors/redact';
import type { InvokeOptions, TimedAnswer } from '../benchmarker/invoker-port';
import type { Classified, Provider, ProviderRequest } from '../../lib/platforms/platform';
import { type RawConnection, type RawExchange, RawPool } from './raw-pool';

/** The contract the Benchmarker consumes; defined once, beside its port. */
export type { TimedAnswer } from '../benchmarker/invoker-port';

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
/** The platform gives the agent no way to force a cold start. */
export class ForceColdUnsupportedError extends Error {
  override name = 'ForceColdUnsupportedError';
}

/** The platform refused or failed to retire a function's instances. */
export class ForceColdFailedError extends Error {
  override name = 'ForceColdFailedError';
}

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
  raw: RawPool;
  request: ProviderRequest;
  /** `dispatch` options without the body. */
  path: string;
  headers: string[];
  /**
   * The raw request's head up to (not including) its `content-length` line, or null when the
   * provider's headers cannot go out verbatim (then batches go through undici, which validates them).
   */
  rawHead: string | null;
  /** The whole warm-up request for a new raw connection (null, like `rawHead`, for a path not valid to send). */
  warmUp: Buffer | null;
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
  readonly #rawPools = new Map<string, RawPool>();
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
   * Make sure at least `connections` idle raw keep-alive connections to the function's origin are
   * open: each missing one is connected and sent one lightweight request (see the file comment).
   * Resolves when all have been answered; rejects with {@link WarmUpError} if some could not even
   * connect (after one retry each).
   */
  async warm(functionName: string, connections: number): Promise<void> {
    const target = this.#target(functionName);
    const n = Math.min(Math.max(0, Math.floor(connections)), this.#connections);
    if (n === 0) return;
    // One event-loop turn: a close or stray bytes already pending on an idle socket drop it now.
    await new Promise((resolve) => setImmediate(resolve));
    const { raw, warmUp } = target;
    // Nothing to prepare when this function's batches go through undici (see `rawHead`).
    if (warmUp === null || target.rawHead === null) return;
    let errors: Error[] = [];
    // A second round only if some warm-up answer closed its connection (`connection: close`).
    for (let round = 0; round < 3 && !this.#closed; round++) {
      const missing = Math.min(n - raw.idleCount(), this.#connections - raw.total);
      if (missing <= 0) break;
      const results: Promise<Error | undefined>[] = [];
      for (let i = 0; i < missing; i++) results.push(warmOnce(raw, warmUp, this.#context.timeoutMs, 2));
      errors = (await Promise.all(results)).filter((error): error is Error => error !== undefined);
      if (errors.length) break;
    }
    if (errors.length) {
      const first = errors[0] as Error;
      throw new WarmUpError(redact(`${errors.length} of ${n} warm-up connections to ${target.request.origin} failed: ${failureMessage(first)}`, this.#context.secrets));
    }
  }

  /**
   * One invocation, timed. Never rejects for a platform or network failure: those are answers.
   * `options.timeoutMs` replaces the invoker's deadline for this call.
   */
  async invoke(functionName: string, payload: unknown, options?: InvokeOptions): Promise<TimedAnswer> {
    const timeoutMs = this.#timeoutOf(options);
    const { target, body } = this.#prepare(functionName, payload);
    return new Promise<TimedAnswer>((resolve) => new Call(this.#context, target, body, resolve, timeoutMs).start());
  }

  /**
   * `n` invocations released together: in the next check phase, the request (serialized once) is
   * written to n idle raw connections in one synchronous loop, before any answer is read (call
   * {@link warm} with `n` first so each finds one; those beyond go through undici). Answers come
   * back in request order.
   */
  async invokeConcurrently(functionName: string, n: number, payload: unknown, options?: InvokeOptions): Promise<TimedAnswer[]> {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`invokeConcurrently needs a positive integer count, got ${n}`);
    const timeoutMs = this.#timeoutOf(options);
    const { target, body } = this.#prepare(functionName, payload);
    const calls: Call[] = new Array(n);
    const answers: Promise<TimedAnswer>[] = new Array(n);
    for (let i = 0; i < n; i++) {
      answers[i] = new Promise<TimedAnswer>((resolve) => {
        calls[i] = new Call(this.#context, target, body, resolve, timeoutMs);
      });
    }
    setImmediate(() => releaseBatch(calls, target, body, this.#closed));
    return Promise.all(answers);
  }

  /**
   * Retire every instance of `functionName` so its next call is cold, where the platform lets the
   * agent do so (the provider's `forceColdRequest`); sent outside the timed paths.
   */
  async forceCold(functionName: string): Promise<void> {
    const request = this.#provider.forceColdRequest?.(functionName);
    if (!request) throw new ForceColdUnsupportedError(`the agent cannot force a cold start on ${this.#provider.platform}`);
    let answer: Awaited<ReturnType<typeof undiciRequest>>;
    try {
      answer = await undiciRequest(new URL(request.path, request.origin), { method: request.method, headers: request.headers, body: request.body, headersTimeout: 60_000, bodyTimeout: 60_000 });
    } catch (error) {
      throw new ForceColdFailedError(redact(`scaling ${functionName} to zero failed: ${failureMessage(error)}`, this.#context.secrets));
    }
    const text = await answer.body.text();
    if (answer.statusCode >= 300) {
      throw new ForceColdFailedError(redact(`scaling ${functionName} to zero answered ${answer.statusCode}: ${text.slice(0, 300)}`, this.#context.secrets));
    }
  }

  /** Close every connection. Requests still in flight end as errors (`InvokerClosedError`). */
  async close(): Promise<void> {
    this.#closed = true;
    const pools = [...this.#pools.values()];
    for (const raw of this.#rawPools.values()) raw.destroy(new InvokerClosedError('invoker closed'));
    this.#pools.clear();
    this.#rawPools.clear();
    this.#targets.clear();
    await Promise.all(pools.map((pool) => pool.destroy(new InvokerClosedError('invoker closed'))));
  }

  /**
   * Open connections per origin (for diagnostics and tests): undici's and the raw pool's together
   * (`connected`, `running`: requests in flight); `size` counts requests queued or in flight in undici.
   */
  stats(): Record<string, { connected: number; running: number; size: number }> {
    const result: Record<string, { connected: number; running: number; size: number }> = {};
    for (const [origin, pool] of this.#pools) result[origin] = { connected: pool.stats.connected, running: pool.stats.running, size: pool.stats.size };
    for (const [origin, raw] of this.#rawPools) {
      const entry = result[origin] ?? { connected: 0, running: 0, size: 0 };
      result[origin] = entry;
      entry.connected += raw.size;
      entry.running += raw.busy;
    }
    return result;
  }

  /** A call's deadline: its own, else the invoker's; a RangeError (the call rejects) for one setTimeout cannot honour. */
  #timeoutOf(options: InvokeOptions | undefined): number {
    const timeoutMs = options?.timeoutMs;
    if (timeoutMs === undefined) return this.#context.timeoutMs;
    if (!(timeoutMs > 0) || timeoutMs > MAX_TIMER_MS) throw new RangeError(`timeoutMs must be a number of milliseconds from 1 to ${MAX_TIMER_MS}, got ${timeoutMs}`);
    return timeoutMs;
  }

  /** The function's target and the encoded payload; throws (so the call rejects) for an unknown function or bad payload. */
  #prepare(functionName: string, payload: unknown): { target: Target; body: Buffer } {
    return { target: this.#target(functionName), body: encode(payload) };
  }

  #target(functionName: string): Target {
    if (this.#closed) throw new InvokerClosedError('invoker is closed');
    let target = this.#targets.get(functionName);
    if (target) return target;
    const request = this.#provider.requestFor(functionName);
    const headers: string[] = [];
    for (const [key, value] of Object.entries(request.headers)) headers.push(key.toLowerCase(), value);
    if (!headers.some((value, i) => i % 2 === 0 && value === 'content-type')) headers.push('content-type', 'application/json');
    const url = new URL(request.origin);
    const warmUp = warmRequestFor(this.#provider, request);
    const warmHead = rawRequestHead(warmUp.method, warmUp.path, url.host, ['accept', '*/*']);
    target = {
      pool: this.#pool(request.origin),
      raw: this.#rawPool(request.origin),
      request,
      path: request.path,
      headers,
      rawHead: rawRequestHead('POST', request.path, url.host, headers),
      warmUp: warmHead === null ? null : Buffer.from(`${warmHead}\r\n`, 'latin1'),
    };
    this.#targets.set(functionName, target);
    return target;
  }

  #rawPool(origin: string): RawPool {
    let raw = this.#rawPools.get(origin);
    if (!raw) {
      raw = new RawPool(origin, { keepAliveTimeoutMs: this.#keepAliveTimeoutMs, keepAliveMaxTimeoutMs: 10 * 60_000, connectTimeoutMs: 30_000 });
      this.#rawPools.set(origin, raw);
    }
    return raw;
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

function encode(payload: unknown): Buffer {
  return Buffer.from(JSON.stringify(payload ?? {}) ?? '{}', 'utf8');
}

/** Header names the raw path sets itself, or that change framing: a provider header among them sends its batches through undici. */
const RESERVED_HEADERS = new Set(['host', 'content-length', 'connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'expect', 'proxy-connection']);
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const PATH = /^\/[\x21-\x7e]*$/;

/**
 * `METHOD path HTTP/1.1`, `host`, `connection: keep-alive` and `headers` (flat name/value pairs),
 * each line ending in CRLF, without the blank line; null if a header or the path is not valid to
 * send verbatim or is one of {@link RESERVED_HEADERS}.
 */
function rawRequestHead(method: string, path: string, host: string, headers: readonly string[]): string | null {
  if (!PATH.test(path)) return null;
  let head = `${method} ${path} HTTP/1.1\r\nhost: ${host}\r\nconnection: keep-alive\r\n`;
  for (let i = 0; i + 1 < headers.length; i += 2) {
    const name = headers[i] as string;
    const value = headers[i + 1] as string;
    if (!TOKEN.test(name) || !FIELD_VALUE.test(value) || RESERVED_HEADERS.has(name.toLowerCase())) return null;
    head += `${name}: ${value}\r\n`;
  }
  return head;
}

/** The whole request: head, `content-length`, blank line, body — one Buffer, written as is to every socket of a batch. */
function rawRequest(head: string, body: Buffer): Buffer {
  const headText = `${head}content-length: ${body.length}\r\n\r\n`;
  const headLength = Buffer.byteLength(headText, 'latin1');
  const request = Buffer.allocUnsafe(headLength + body.length);
  request.write(headText, 0, 'latin1');
  body.copy(request, headLength);
  return request;
}

/**
 * The release of a batch (in the check phase after `invokeConcurrently`): the request serialized
 * once, then one synchronous loop writing it to idle raw connections, each `sendAt` taken right
 * after its `socket.write` returned; calls left without an idle connection go through undici; then
 * every call's deadline timer.
 */
function releaseBatch(calls: Call[], target: Target, body: Buffer, closed: boolean): void {
  const n = calls.length;
  if (closed) {
    for (let i = 0; i < n; i++) (calls[i] as Call).abandon(new InvokerClosedError('invoker closed'));
    return;
  }
  let i = 0;
  if (target.rawHead !== null) {
    const request = rawRequest(target.rawHead, body);
    const raw = target.raw;
    const now = performance.now();
    for (; i < n; i++) {
      const connection = raw.take(now);
      if (connection === undefined) break;
      const call = calls[i] as Call;
      const attempt = new RawAttempt(call, connection);
      call.attempts = 1;
      call.current = attempt;
      attempt.sendAt = TIME_ORIGIN + performance.now();
      connection.send(request, attempt);
    }
  }
  for (let j = i; j < n; j++) (calls[j] as Call).dispatch();
  for (let j = 0; j < n; j++) (calls[j] as Call).arm();
}

/**
 * One invocation: its deadline, its attempts and its answer. Each attempt is its own handler
 * object, so a late callback of an abandoned attempt can never touch the next one.
 */
class Call {
  attempts = 0;
  current: Attempt | RawAttempt | undefined;
  done = false;
  timer: NodeJS.Timeout | undefined;

  constructor(
    readonly context: CallContext,
    readonly target: Target,
    readonly body: Buffer,
    readonly resolve: (answer: TimedAnswer) => void,
    /** This call's deadline, all attempts included. */
    readonly timeoutMs: number,
  ) {}

  start(): void {
    this.dispatch();
    this.arm();
  }

  /** Start the deadline (once the first attempt is under way). */
  arm(): void {
    if (!this.done) this.timer = setTimeout(onCallTimeout, this.timeoutMs, this);
  }

  dispatch(): void {
    this.attempts += 1;
    const attempt = new Attempt(this);
    this.current = attempt;
    // undici writes it on a free connection (on a reused one after its one-check-phase idle
    // validation) or queues it; a dispatch error (closed pool, bad options) comes through
    // onResponseError.
    this.target.pool.dispatch({ path: this.target.path, method: 'POST', headers: this.target.headers, body: this.body }, attempt);
  }

  complete(attempt: Attempt | RawAttempt, endAt: number): void {
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
      classified = { status: 'error', errorType: 'ClassificationError', errorMessage: redact(failureMessage(error), secrets) };
    }
    if (classified.errorMessage && secrets.length) classified.errorMessage = redact(classified.errorMessage, secrets);
    this.finish({ attempts: this.attempts, httpStatus: attempt.httpStatus, sendAt: attempt.sendAt, firstByteAt: attempt.firstByteAt, endAt, bodyText, classified });
  }

  /** `responded`: some of the answer had arrived (then resending is not safe). */
  fail(attempt: Attempt | RawAttempt, error: Error, responded = attempt.httpStatus !== null): void {
    if (this.done || attempt !== this.current) return;
    if (!responded && this.attempts < this.context.maxAttempts && isRetryable(error)) {
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
      classified: { status: 'error', errorType: errorTypeOf(error), errorMessage: redact(failureMessage(error), this.context.secrets) },
    });
  }

  /** End without any attempt (the invoker closed before the batch was released). */
  abandon(error: Error): void {
    if (this.done) return;
    this.finish({
      attempts: this.attempts,
      httpStatus: null,
      sendAt: null,
      firstByteAt: null,
      endAt: null,
      bodyText: null,
      classified: { status: 'error', errorType: errorTypeOf(error), errorMessage: redact(failureMessage(error), this.context.secrets) },
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
      classified: { status: 'timeout', errorType: 'ClientTimeout', errorMessage: `no complete answer within ${this.timeoutMs} ms` },
    });
    // Abort after settling, so the abort's own error callback is ignored. A request still queued
    // or connecting is aborted when it would start (`onRequestStart`).
    attempt?.abort(new ClientTimeoutError(`no complete answer within ${this.timeoutMs} ms`));
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
 * undici's handler for one attempt: timestamps and body chunks, through undici 7's controller-based
 * handler API (`onRequestStart`, `onResponseStart`, `onResponseData`, `onResponseEnd`,
 * `onResponseError`; the callback-style `onConnect`/`onHeaders`/`onData`/`onComplete`/`onError` are
 * deprecated). That API has no hook after the request was written (the undocumented
 * `onRequestSent` of the old style is not passed through), so `sendAt` is taken in
 * `onRequestStart`, which undici calls on the connected socket right before it writes the request
 * (see the file comment). A dispatch that fails before any socket (refused, closed pool) comes
 * straight to `onResponseError`, without a controller. No `onRequestUpgrade`: the invoker never
 * asks to upgrade, and undici fails an unasked-for 101 itself (`bad upgrade`). This style costs
 * more than the callback one did: undici wraps the handler (its UnwrapHandler: a controller and the
 * response headers parsed into an object, per request) — 3–6 µs more client CPU per request
 * (+10–17 %, 3–12 % fewer requests per second) in an interleaved A/B of both styles against the
 * bench endpoint, which shows in `npm run bench invoker`'s throughput ratio.
 */
class Attempt implements Dispatcher.DispatchHandler {
  controller: Dispatcher.DispatchController | undefined;
  sendAt: number | null = null;
  firstByteAt: number | null = null;
  httpStatus: number | null = null;
  chunks: Buffer[] = [];

  constructor(readonly call: Call) {}

  /** The deadline passed: stop the request and drop its connection (a request not started yet is stopped in `onRequestStart`). */
  abort(error: Error): void {
    this.controller?.abort(error);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    if (this.call.done || this.call.current !== this) {
      controller.abort(new ClientTimeoutError('the call was already settled'));
      return;
    }
    this.controller = controller;
    this.sendAt = TIME_ORIGIN + performance.now();
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number): void {
    if (this.firstByteAt === null) this.firstByteAt = TIME_ORIGIN + performance.now();
    this.httpStatus = statusCode;
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    this.call.complete(this, TIME_ORIGIN + performance.now());
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, error: Error): void {
    this.call.fail(this, error);
  }
}

/**
 * One attempt over a raw connection (the first of a batch call): timestamps and body chunks, like
 * {@link Attempt}. `sendAt` is set by the release loop right before the write.
 */
class RawAttempt implements RawExchange {
  sendAt: number | null = null;
  firstByteAt: number | null = null;
  httpStatus: number | null = null;
  chunks: Buffer[] = [];

  constructor(
    readonly call: Call,
    readonly connection: RawConnection,
  ) {}

  /** The deadline passed (or the call was settled): drop the connection, the answer is not wanted. */
  abort(error?: Error): void {
    if (this.connection.exchange === this) this.connection.fail(error ?? new ClientTimeoutError('aborted'));
  }

  onHeaders(status: number): void {
    this.firstByteAt = TIME_ORIGIN + performance.now();
    this.httpStatus = status;
  }

  onBody(chunk: Buffer): void {
    this.chunks.push(chunk);
  }

  onComplete(): void {
    this.call.complete(this, TIME_ORIGIN + performance.now());
  }

  onError(error: Error, responded: boolean): void {
    this.call.fail(this, error, responded);
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

/** The stored `error_message` of an invocation that got no answer: the message with its code, at most 500 characters. */
function failureMessage(error: unknown): string {
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

/** One new warmed raw connection; resolves with the error if it got no answer even after `tries`. */
function warmOnce(raw: RawPool, warmUp: Buffer, timeoutMs: number, tries: number): Promise<Error | undefined> {
  return raw.open(warmUp, timeoutMs).then(
    () => undefined,
    (error: Error) => (tries > 1 && isRetryable(error) ? warmOnce(raw, warmUp, timeoutMs, tries - 1) : error),
  );
}
