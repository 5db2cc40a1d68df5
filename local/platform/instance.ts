import { type ChildProcess, fork } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { CpuPacer } from './cpu-pacer';

/** What an instance needs to start: its bundle and its environment. */
export interface InstanceSpec {
  id: string;
  functionName: string;
  bundlePath: string;
  env: Record<string, string>;
  startTimeoutMs: number;
  /** Fraction of one core the instance may use (1 or absent: no limit). */
  cpuShare?: number;
  /** Called with each line the instance prints, if output is forwarded. */
  onOutput?: (line: string) => void;
}

export type InstanceState = 'starting' | 'ready' | 'draining' | 'stopped';

export class InstanceStartError extends Error {
  override name = 'InstanceStartError';
}

/**
 * One instance of a function: a real child process running the function's OpenFaaS bundle, so
 * a cold start costs a real process start and module init. Requests reach it over HTTP through a
 * keep-alive connection pool.
 */
export class LocalInstance {
  state: InstanceState = 'starting';
  /** Requests leased to this instance and not yet finished (including ones waiting for start). */
  inFlight = 0;
  /** Requests this instance has finished serving. */
  served = 0;
  readonly startedAtEpochMs = Date.now();
  readonly startedAtMs = performance.now();
  readyAtMs: number | undefined;
  /** Monotonic ms of the last finished request (or of readiness, before the first). */
  lastActiveAtMs = performance.now();
  /** The instance has been told to go; why. */
  stopReason: string | undefined;
  readonly ready: Promise<void>;
  readonly exited: Promise<void>;
  /** Holds the process to its CPU share, when it has one below 1. */
  readonly pacer: CpuPacer | undefined;
  private readonly child: ChildProcess;
  private pool: Pool | undefined;
  private readonly recentOutput: string[] = [];

  constructor(readonly spec: InstanceSpec) {
    this.child = fork(spec.bundlePath, [], {
      env: spec.env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      // Not the parent's flags: under tsx or vitest they would load a TypeScript loader into every
      // instance and inflate its cold start.
      execArgv: [],
      serialization: 'json',
    });
    for (const stream of [this.child.stdout, this.child.stderr]) {
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => this.captureOutput(chunk));
    }
    this.pacer =
      spec.cpuShare !== undefined && spec.cpuShare < 1 && this.child.pid !== undefined
        ? new CpuPacer({ pid: this.child.pid, cpuShare: spec.cpuShare, isActive: () => this.state === 'starting' || this.inFlight > 0 })
        : undefined;
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
    this.child.once('exit', () => this.pacer?.dispose());
    this.ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new InstanceStartError(`instance ${spec.id} did not start within ${spec.startTimeoutMs} ms${this.outputTail()}`));
      }, spec.startTimeoutMs);
      this.child.on('message', (message: unknown) => {
        const port = listeningPort(message);
        if (port === undefined || this.pool) return;
        clearTimeout(timer);
        this.pool = new Pool(`http://127.0.0.1:${port}`, { connections: 128, keepAliveTimeout: 60_000, pipelining: 0 });
        this.readyAtMs = performance.now();
        this.lastActiveAtMs = this.readyAtMs;
        if (this.state === 'starting') this.state = 'ready';
        resolve();
      });
      this.child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new InstanceStartError(`instance ${spec.id} exited before it was ready (code ${code}, signal ${signal})${this.outputTail()}`));
      });
    });
    // A start failure is also reported to whoever awaits `ready`; this keeps it from being unhandled.
    this.ready.catch(() => undefined);
  }

  get id(): string {
    return this.spec.id;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get exitCode(): number | null {
    return this.child.exitCode;
  }

  /** The connection pool to this instance; only valid once ready. */
  get connection(): Pool {
    if (!this.pool) throw new InstanceStartError(`instance ${this.id} is not ready`);
    return this.pool;
  }

  /** A request was leased to this instance: its pacer, if any, looks at once. */
  requestStarted(): void {
    this.inFlight += 1;
    this.pacer?.wake();
  }

  /** Stop taking requests; the pool stops the process once in-flight requests are done. */
  drain(reason: string): void {
    if (this.state === 'stopped') return;
    this.state = 'draining';
    this.stopReason ??= reason;
  }

  /**
   * Stop the process: SIGTERM, then SIGKILL if it has not exited within `graceMs`. Resolves once
   * the process is gone.
   */
  async stop(reason: string, graceMs = 2000): Promise<void> {
    this.stopReason ??= reason;
    this.state = 'stopped';
    // A paused process would not act on SIGTERM until resumed.
    this.pacer?.dispose();
    await this.pool?.destroy().catch(() => undefined);
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
  }

  /** Synchronous last resort at process exit: no waiting is possible there. */
  killNow(): void {
    this.pacer?.dispose();
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  private captureOutput(chunk: string): void {
    for (const line of chunk.split('\n')) {
      if (!line) continue;
      this.recentOutput.push(line);
      if (this.recentOutput.length > 20) this.recentOutput.shift();
      this.spec.onOutput?.(line);
    }
  }

  private outputTail(): string {
    return this.recentOutput.length ? `; last output: ${this.recentOutput.slice(-5).join(' | ')}` : '';
  }
}

function listeningPort(message: unknown): number | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const { type, port } = message as { type?: unknown; port?: unknown };
  return type === 'listening' && typeof port === 'number' ? port : undefined;
}
