/**
 * Raw keep-alive connections for the invoker's batch release (`invokeConcurrently`): a small pool
 * per origin of plain `net`/`tls` sockets (TCP_NODELAY, TCP keep-alive), each with its own
 * {@link ResponseParser}, carrying one request at a time.
 *
 * Why: releasing n requests together should cost little more than n `socket.write` calls. Through
 * undici each request also pays for its request object, header validation, handler plumbing and a
 * check-phase hop, which kept the spread of a 256-request release well above the bare write floor.
 * Here the caller serializes the request once per batch, takes n idle connections and writes the
 * same Buffer to each in one synchronous loop ({@link RawConnection.send}); everything else
 * (connecting, TLS, reading answers) happens outside that loop.
 *
 * Life of a connection: opened by {@link RawPool.open} (connect, TLS handshake for https, then
 * one lightweight warm-up request whose answer proves it works), idle in the pool, taken for one
 * request, back to idle when the answer completed and neither side asked to close. It is closed
 * when idle longer than the keep-alive timeout (the server's `keep-alive: timeout=N` hint less
 * 2 s, as undici does, else the invoker's `keepAliveTimeoutMs`), when the server closes it or sends
 * anything while no request is in flight, on any socket or protocol error, and on
 * {@link RawPool.destroy}. Sockets are unref'd: an in-flight request keeps the process alive through
 * the caller's deadline timer, an idle connection never does (like undici's idle sockets).
 *
 * What an exchange is told: `onHeaders` when the final header block arrived, `onBody` per piece,
 * `onComplete` when the body is complete (the connection is already back in the pool by then), or
 * `onError(error, responded)` once — `responded` says whether any byte of the answer had arrived,
 * i.e. whether resending is still safe. A close before the answer is a {@link SocketError}
 * `other side closed` (code `UND_ERR_SOCKET`, as undici reports it).
 */
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { connect as tlsConnect } from 'node:tls';
import { type ResponseEvents, type ResponseHead, ResponseParser } from './http1-parser';

/** One request's view of its connection. */
export interface RawExchange {
  onHeaders(status: number): void;
  onBody(chunk: Buffer): void;
  onComplete(): void;
  onError(error: Error, responded: boolean): void;
}

export interface RawPoolOptions {
  /** Idle time after which a connection is closed when the server gives no hint. */
  keepAliveTimeoutMs: number;
  /** Cap on a server's keep-alive hint. @default 10 min */
  keepAliveMaxTimeoutMs?: number;
  /** @default 30 s */
  connectTimeoutMs?: number;
}

/** The connection closed or failed under a request (undici's name and code for the same). */
export class SocketError extends Error {
  override name = 'SocketError';
  readonly code = 'UND_ERR_SOCKET';
}

export class ConnectTimeoutError extends Error {
  override name = 'ConnectTimeoutError';
  readonly code = 'UND_ERR_CONNECT_TIMEOUT';
}

/** As undici: a server's keep-alive hint is trusted only up to this much before it. */
const KEEP_ALIVE_THRESHOLD_MS = 2000;
const SWEEP_INTERVAL_MS = 1000;

const IDLE = 0;
const BUSY = 1;
const CLOSED = 2;

export class RawConnection implements ResponseEvents {
  state = BUSY;
  exchange: RawExchange | null = null;
  /** Some byte of the current answer arrived. */
  responded = false;
  /** `performance.now()` after which an idle connection is no longer used. */
  idleUntil = 0;
  readonly parser = new ResponseParser(this);

  constructor(
    readonly pool: RawPool,
    readonly socket: Socket,
  ) {
    socket.on('data', (data: Buffer) => this.#onData(data));
    socket.on('end', () => this.#onEnd());
    socket.on('error', (error: Error) => this.fail(error));
    socket.on('close', () => this.fail(new SocketError('other side closed')));
  }

  /** Write a whole request (the caller took this connection idle from the pool). Synchronous. */
  send(request: Buffer, exchange: RawExchange): void {
    this.state = BUSY;
    this.exchange = exchange;
    this.responded = false;
    this.parser.reset();
    this.socket.write(request);
  }

  /** Close the connection; a request in flight on it ends with `error`. */
  fail(error: Error): void {
    if (this.state === CLOSED) return;
    this.state = CLOSED;
    this.pool.remove(this);
    const exchange = this.exchange;
    this.exchange = null;
    this.socket.destroy();
    exchange?.onError(error, this.responded);
  }

  onHeaders(head: ResponseHead): void {
    this.exchange?.onHeaders(head.status);
  }

  onBody(chunk: Buffer): void {
    this.exchange?.onBody(chunk);
  }

  onComplete(reusable: boolean, keepAliveHintMs: number | null): void {
    const exchange = this.exchange;
    this.exchange = null;
    if (reusable) this.pool.release(this, keepAliveHintMs);
    else this.fail(new SocketError('connection not reusable'));
    exchange?.onComplete();
  }

  #onData(data: Buffer): void {
    if (this.exchange) this.responded = true;
    try {
      this.parser.execute(data);
    } catch (error) {
      this.fail(error as Error);
    }
  }

  #onEnd(): void {
    // A body read until close is complete now; anything else in flight was cut short.
    if (this.exchange && this.parser.finish()) return;
    this.fail(new SocketError('other side closed'));
  }
}

export class RawPool {
  readonly #host: string;
  readonly #port: number;
  readonly #secure: boolean;
  readonly #options: Required<RawPoolOptions>;
  readonly #idle: RawConnection[] = [];
  readonly #open = new Set<RawConnection>();
  readonly #connecting = new Set<Socket>();
  #sweeper: NodeJS.Timeout | undefined;
  #destroyed: Error | undefined;

  /** `origin`: `http://host:port` or `https://host:port`. */
  constructor(origin: string, options: RawPoolOptions) {
    const url = new URL(origin);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new RangeError(`unsupported origin ${origin}`);
    this.#secure = url.protocol === 'https:';
    this.#host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    this.#port = url.port ? Number(url.port) : this.#secure ? 443 : 80;
    this.#options = { keepAliveMaxTimeoutMs: 10 * 60_000, connectTimeoutMs: 30_000, ...options };
  }

  /** Connections open (idle or busy), not counting those still connecting. */
  get size(): number {
    return this.#open.size;
  }

  /** Connections open or connecting. */
  get total(): number {
    return this.#open.size + this.#connecting.size;
  }

  /** Connections carrying a request. */
  get busy(): number {
    return this.#open.size - this.#idle.length;
  }

  /** Idle connections usable at `now` (`performance.now()`). */
  idleCount(now = performance.now()): number {
    let count = 0;
    for (const connection of this.#idle) if (connection.idleUntil > now) count += 1;
    return count;
  }

  /** An idle connection, now busy for the caller's next `send`; undefined when none is left. */
  take(now: number): RawConnection | undefined {
    const idle = this.#idle;
    while (idle.length > 0) {
      const connection = idle.pop() as RawConnection;
      if (connection.idleUntil > now && connection.socket.writable) {
        connection.state = BUSY;
        return connection;
      }
      connection.fail(new SocketError('keep-alive timeout'));
    }
    return undefined;
  }

  /**
   * Open a connection and send it `warmUp` (a whole request); resolves once its answer completed,
   * the connection then idle in the pool if the server keeps it open. Rejects with the connection
   * or protocol error, or after `timeoutMs` without a complete answer.
   */
  open(warmUp: Buffer, timeoutMs: number): Promise<void> {
    return this.#connect().then(
      (connection) =>
        new Promise<void>((resolve, reject) => {
          if (connection.state === CLOSED) return reject(new SocketError('other side closed'));
          const timer = setTimeout(() => connection.fail(new SocketError(`no answer to the warm-up request within ${timeoutMs} ms`)), timeoutMs);
          connection.send(warmUp, {
            onHeaders: () => undefined,
            onBody: () => undefined,
            onComplete: () => {
              clearTimeout(timer);
              resolve();
            },
            onError: (error) => {
              clearTimeout(timer);
              reject(error);
            },
          });
        }),
    );
  }

  /** Back to idle after a complete answer the server will follow with more. */
  release(connection: RawConnection, keepAliveHintMs: number | null): void {
    const ttl = keepAliveHintMs === null ? this.#options.keepAliveTimeoutMs : Math.min(keepAliveHintMs - KEEP_ALIVE_THRESHOLD_MS, this.#options.keepAliveMaxTimeoutMs);
    if (this.#destroyed || !(ttl > 0)) {
      connection.fail(this.#destroyed ?? new SocketError('keep-alive timeout'));
      return;
    }
    connection.state = IDLE;
    connection.idleUntil = performance.now() + ttl;
    this.#idle.push(connection);
    if (!this.#sweeper) {
      this.#sweeper = setInterval(() => this.#sweep(), SWEEP_INTERVAL_MS);
      this.#sweeper.unref();
    }
  }

  /** Forget a closed connection. */
  remove(connection: RawConnection): void {
    this.#open.delete(connection);
    const index = this.#idle.indexOf(connection);
    if (index !== -1) this.#idle.splice(index, 1);
    if (this.#open.size === 0 && this.#sweeper) {
      clearInterval(this.#sweeper);
      this.#sweeper = undefined;
    }
  }

  /** Close every connection; requests in flight end with `error`, later `open`s reject with it. */
  destroy(error: Error): void {
    this.#destroyed ??= error;
    for (const socket of this.#connecting) socket.destroy(error);
    this.#connecting.clear();
    for (const connection of [...this.#open]) connection.fail(error);
    if (this.#sweeper) clearInterval(this.#sweeper);
    this.#sweeper = undefined;
  }

  #connect(): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      if (this.#destroyed) return reject(this.#destroyed);
      const host = this.#host;
      const socket = this.#secure
        ? tlsConnect({ host, port: this.#port, servername: isIP(host) ? undefined : host, ALPNProtocols: ['http/1.1'] })
        : netConnect({ host, port: this.#port });
      socket.setNoDelay(true);
      socket.setKeepAlive(true, 60_000);
      this.#connecting.add(socket);
      const timer = setTimeout(() => socket.destroy(new ConnectTimeoutError(`connect to ${host}:${this.#port} timed out after ${this.#options.connectTimeoutMs} ms`)), this.#options.connectTimeoutMs);
      const onError = (error: Error) => {
        clearTimeout(timer);
        this.#connecting.delete(socket);
        reject(error);
      };
      socket.once('error', onError);
      socket.once(this.#secure ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        socket.off('error', onError);
        this.#connecting.delete(socket);
        if (this.#destroyed) {
          socket.destroy();
          return reject(this.#destroyed);
        }
        const connection = new RawConnection(this, socket);
        this.#open.add(connection);
        socket.unref();
        resolve(connection);
      });
    });
  }

  #sweep(): void {
    const now = performance.now();
    for (const connection of [...this.#idle]) if (connection.idleUntil <= now) connection.fail(new SocketError('keep-alive timeout'));
  }
}
