import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { EventLog, EvictionReason } from './events';
import { LocalInstance } from './instance';
import type { PlatformSettings } from './options';

/** All instances of the function are busy and no more may be added: answered with 429. */
export class TooManyRequestsError extends Error {
  override name = 'TooManyRequestsError';
}

/** The function is being removed or the platform is shutting down: answered with 503. */
export class FunctionUnavailableError extends Error {
  override name = 'FunctionUnavailableError';
}

/** A request's hold on one slot of one instance. Call `release` exactly once. */
export interface Lease {
  instance: LocalInstance;
  release(): void;
}

/** What the pool needs to start an instance of its function. */
export interface PoolDeployment {
  name: string;
  bundlePath: string;
  env: Record<string, string>;
  /** Idle instances are not evicted below this many (OpenFaaS `com.openfaas.scale.min`). */
  minReplicas: number;
}

type TimerKind = 'idle' | 'lifetime';

interface Waiter {
  resolve(lease: Lease): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * The instances of one function and the rules that add and remove them: per-instance
 * concurrency, the scale-out interval, max instances, the idle timeout and the max lifetime.
 */
export class FunctionPool {
  readonly instances = new Set<LocalInstance>();
  invocationCount = 0;
  /** Requests refused with {@link TooManyRequestsError} (answered 429): at once, or after waiting `queueTimeoutMs` for room. */
  throttledCount = 0;
  private readonly waiters: Waiter[] = [];
  private lastScaleOutAtMs = Number.NEGATIVE_INFINITY;
  private scaleOutTimer: NodeJS.Timeout | undefined;
  private readonly timers = new Map<LocalInstance, Partial<Record<TimerKind, NodeJS.Timeout>>>();
  private nextInstanceNumber = 1;
  private closed = false;

  constructor(
    public deployment: PoolDeployment,
    private readonly settings: PlatformSettings,
    private readonly events: EventLog,
    private readonly instanceEnv: (instanceId: string) => Record<string, string>,
  ) {}

  /** Live instances: starting, ready or draining. */
  get liveCount(): number {
    return this.instances.size;
  }

  get readyCount(): number {
    return [...this.instances].filter((instance) => instance.state === 'ready').length;
  }

  /** A slot on an instance for one request: at once, after a wait, or a {@link TooManyRequestsError}. */
  acquire(): Promise<Lease> {
    if (this.closed) return Promise.reject(new FunctionUnavailableError(`function ${this.deployment.name} is not available`));
    const lease = this.tryLease();
    if (lease) return Promise.resolve(lease);
    if (this.settings.whenBusy === 'throttle') {
      this.throttledCount += 1;
      return Promise.reject(
        new TooManyRequestsError(
          `all ${this.liveCount} instances of ${this.deployment.name} are busy (max instances ${this.settings.maxInstances}, ${this.settings.concurrencyPerInstance} per instance)`,
        ),
      );
    }
    return new Promise<Lease>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          this.throttledCount += 1;
          reject(new TooManyRequestsError(`no instance of ${this.deployment.name} had room within ${this.settings.queueTimeoutMs} ms`));
        }, this.settings.queueTimeoutMs),
      };
      this.waiters.push(waiter);
      this.scheduleScaleOut();
    });
  }

  /** Start or stop instances so that `replicas` are live (OpenFaaS scale-function). */
  async scaleTo(replicas: number): Promise<void> {
    while (this.liveCount < replicas && !this.closed) this.startInstance();
    const idle = [...this.instances].filter((instance) => instance.inFlight === 0).sort((a, b) => a.lastActiveAtMs - b.lastActiveAtMs);
    const stops: Promise<void>[] = [];
    // evict() removes the instance from the pool at once, so liveCount already counts each stop.
    while (this.liveCount > replicas && idle.length) {
      const instance = idle.shift() as LocalInstance;
      stops.push(this.evict(instance, 'scaled-down'));
    }
    await Promise.all(stops);
  }

  /** Stop every instance and refuse new requests. */
  async close(reason: EvictionReason): Promise<void> {
    this.closed = true;
    clearTimeout(this.scaleOutTimer);
    for (const waiter of this.waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.reject(new FunctionUnavailableError(`function ${this.deployment.name} is not available`));
    }
    await Promise.all([...this.instances].map((instance) => this.evict(instance, reason)));
  }

  /** Synchronous kill of every process, for process exit. */
  killAll(): void {
    for (const instance of this.instances) instance.killNow();
  }

  private tryLease(): Lease | undefined {
    const instance = this.pickInstance() ?? (this.mayScaleOut() ? this.startInstance() : undefined);
    if (!instance) return undefined;
    return this.leaseOn(instance);
  }

  /**
   * The instance with room and the most requests already on it, ties going to the most recently
   * active: load is packed onto few instances, so spare ones go idle and are evicted, as on the
   * real platforms.
   */
  private pickInstance(): LocalInstance | undefined {
    let best: LocalInstance | undefined;
    for (const instance of this.instances) {
      if (this.evictIfIdleTooLong(instance)) continue;
      if (instance.state !== 'ready' && instance.state !== 'starting') continue;
      if (instance.inFlight >= this.settings.concurrencyPerInstance) continue;
      if (!best || instance.inFlight > best.inFlight || (instance.inFlight === best.inFlight && instance.lastActiveAtMs > best.lastActiveAtMs)) {
        best = instance;
      }
    }
    return best;
  }

  private mayScaleOut(): boolean {
    if (this.closed || this.liveCount >= this.settings.maxInstances) return false;
    if (this.liveCount === 0) return true;
    return performance.now() - this.lastScaleOutAtMs >= this.settings.scaleOutIntervalMs;
  }

  private leaseOn(instance: LocalInstance): Lease {
    instance.requestStarted();
    this.clearTimers(instance, 'idle');
    let released = false;
    return {
      instance,
      release: () => {
        if (released) return;
        released = true;
        instance.inFlight -= 1;
        instance.served += 1;
        instance.lastActiveAtMs = performance.now();
        this.afterRelease(instance);
      },
    };
  }

  private afterRelease(instance: LocalInstance): void {
    if (!this.instances.has(instance)) {
      // Already evicted (it crashed or never started): nothing to time out or retire.
    } else if (instance.state === 'draining' && instance.inFlight === 0) {
      void this.evict(instance, (instance.stopReason as EvictionReason) ?? 'max-lifetime');
    } else if (instance.inFlight === 0) {
      this.armIdleTimer(instance, this.settings.idleTimeoutMs);
    }
    this.serveWaiters();
  }

  private startInstance(): LocalInstance {
    const id = `${this.deployment.name}-${this.nextInstanceNumber++}-${randomBytes(3).toString('hex')}`;
    const instance = new LocalInstance({
      id,
      functionName: this.deployment.name,
      bundlePath: this.deployment.bundlePath,
      env: { ...this.deployment.env, ...this.instanceEnv(id) },
      startTimeoutMs: this.settings.startTimeoutMs,
      cpuShare: this.settings.cpuShare,
      onOutput: this.settings.logInstanceOutput ? (line) => process.stderr.write(`[${id}] ${line}\n`) : undefined,
    });
    this.instances.add(instance);
    this.lastScaleOutAtMs = performance.now();
    this.events.add({ type: 'instance-started', function: this.deployment.name, instance: id, detail: `pid ${instance.pid}` });
    this.armTimer(instance, 'lifetime', this.settings.maxLifetimeMs, () => this.retire(instance));
    instance.ready.then(
      () => {
        this.events.add({
          type: 'instance-ready',
          function: this.deployment.name,
          instance: id,
          durationMs: (instance.readyAtMs ?? instance.startedAtMs) - instance.startedAtMs,
        });
        if (instance.inFlight === 0) this.armIdleTimer(instance, this.settings.idleTimeoutMs);
        this.serveWaiters();
      },
      (error: Error) => {
        void this.evict(instance, 'start-failed', error.message);
      },
    );
    instance.exited.then(() => {
      if (this.instances.has(instance) && instance.state !== 'stopped' && instance.readyAtMs !== undefined) {
        void this.evict(instance, 'crashed', `exit code ${instance.exitCode}`);
      }
    });
    return instance;
  }

  private retire(instance: LocalInstance): void {
    instance.drain('max-lifetime');
    if (instance.inFlight === 0) void this.evict(instance, 'max-lifetime');
    this.serveWaiters();
  }

  /**
   * Evict an instance whose idle time has reached the timeout even if its timer has not fired yet
   * (a busy event loop delays timers): a request arriving after the timeout never finds it warm,
   * so the idle timeout is exact with respect to request arrival.
   */
  private evictIfIdleTooLong(instance: LocalInstance): boolean {
    if (instance.state !== 'ready' || instance.inFlight > 0 || this.liveCount <= this.deployment.minReplicas) return false;
    const idleMs = performance.now() - instance.lastActiveAtMs;
    if (idleMs < this.settings.idleTimeoutMs) return false;
    void this.evict(instance, 'idle-timeout', undefined, idleMs);
    return true;
  }

  private armIdleTimer(instance: LocalInstance, delayMs: number): void {
    this.armTimer(instance, 'idle', delayMs, () => {
      if (instance.inFlight > 0 || instance.state !== 'ready') return;
      const idleMs = performance.now() - instance.lastActiveAtMs;
      // Timers may fire a hair early against performance.now(); never evict before the timeout.
      if (idleMs < this.settings.idleTimeoutMs) return this.armIdleTimer(instance, this.settings.idleTimeoutMs - idleMs);
      if (this.liveCount <= this.deployment.minReplicas) return;
      void this.evict(instance, 'idle-timeout', undefined, idleMs);
    });
  }

  private async evict(instance: LocalInstance, reason: EvictionReason, detail?: string, durationMs?: number): Promise<void> {
    if (!this.instances.has(instance)) return instance.exited;
    this.instances.delete(instance);
    this.clearTimers(instance);
    this.timers.delete(instance);
    this.events.add({
      type: 'instance-evicted',
      function: this.deployment.name,
      instance: instance.id,
      reason,
      durationMs: durationMs ?? performance.now() - instance.startedAtMs,
      ...(detail ? { detail } : {}),
    });
    await instance.stop(reason);
    this.serveWaiters();
  }

  /** Hand free slots (or new instances) to queued requests, oldest first. */
  private serveWaiters(): void {
    while (this.waiters.length) {
      const lease = this.tryLease();
      if (!lease) break;
      const waiter = this.waiters.shift() as Waiter;
      clearTimeout(waiter.timer);
      waiter.resolve(lease);
    }
    this.scheduleScaleOut();
  }

  /** While requests wait, try again when the scale-out interval next allows a new instance. */
  private scheduleScaleOut(): void {
    if (!this.waiters.length || this.scaleOutTimer || this.closed || this.liveCount >= this.settings.maxInstances) return;
    const waitMs = Math.max(0, this.lastScaleOutAtMs + this.settings.scaleOutIntervalMs - performance.now());
    this.scaleOutTimer = setTimeout(() => {
      this.scaleOutTimer = undefined;
      this.serveWaiters();
    }, waitMs);
  }

  private armTimer(instance: LocalInstance, kind: TimerKind, delayMs: number, fire: () => void): void {
    this.clearTimers(instance, kind);
    const timers = this.timers.get(instance) ?? {};
    timers[kind] = setTimeout(fire, delayMs);
    this.timers.set(instance, timers);
  }

  private clearTimers(instance: LocalInstance, kind?: TimerKind): void {
    const timers = this.timers.get(instance);
    if (!timers) return;
    for (const key of kind ? [kind] : (['idle', 'lifetime'] as const)) {
      clearTimeout(timers[key]);
      delete timers[key];
    }
  }
}
