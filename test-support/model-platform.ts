/**
 * A model FaaS platform in this process, behind the Benchmarker's invoker port: the real lab
 * function code (`createLabFunction`), one object per instance, with the local platform's scaling
 * knobs (lambda: one call per instance at a time; azure / openfaas: many), an idle timeout, a
 * maximum lifetime, a maximum number of instances (past it: 429, as the local gateway answers) and
 * a delay for each cold start. Answers are classified by the OpenFaaS/local gateway's own rules.
 *
 * Time: the model's clock is the real clock plus every experiment sleep (scaled by the run's time
 * scale) as if it had been slept, so a search over idle gaps of hours takes no real time; all
 * times in the answers (the client's send and end, the records' execution and instance start
 * times) are on that clock. Cold-start delays and the functions' own work are really waited.
 *
 * Why: the report's tests need real stored runs of every experiment kind, made by the real
 * experiments through the real Benchmarker and results store, in seconds rather than the minutes
 * the quick runs on the local platform take. What it does not model — the network, process
 * starts, real parallelism of busy work — is not what those tests look at.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { epochNowMs } from '../lib/experiment/open-loop';
import type { InvokerPort, TimedAnswer } from '../client-agent/benchmarker/invoker-port';
import { type LabContext, type LabFunction, createLabFunction } from '../lab-functions/core/run';
import type { LabResponse } from '../lab-functions/core/records';
import { classifyGatewayAnswer } from '../lib/platforms/openfaas/provider';
import type { QuickPlatformSettings } from '../lib/experiment/define';
import type { LabFunctionDefinition } from '../lab-functions/core/definition';
import function1 from '../lab-functions/functions/function1';
import function2 from '../lab-functions/functions/function2';
import function3 from '../lab-functions/functions/function3';
import monolith from '../lab-functions/functions/monolith';

/** The deployed lab functions by name: what each instance runs. */
const DEFINITIONS: Readonly<Record<string, LabFunctionDefinition>> = { function1, function2, function3, monolith };

/** The model's knobs: the local platform's names and units (real ms). */
export type ModelPlatformSettings = Pick<QuickPlatformSettings, 'profile' | 'idleTimeoutMs' | 'maxLifetimeMs' | 'maxInstances' | 'concurrencyPerInstance' | 'initDelayMs'>;

/** Defaults: the local platform's Lambda-like profile, with a small cold-start delay. */
const DEFAULTS = { profile: 'lambda', idleTimeoutMs: 60_000, maxLifetimeMs: Number.POSITIVE_INFINITY, maxInstances: 1000, initDelayMs: 5 } as const;

/** The model's clock: real epoch ms plus the sleeps the experiment did not really sleep. */
export class ModelClock {
  private offsetMs = 0;

  now(): number {
    return epochNowMs() + this.offsetMs;
  }

  /** How far ahead of the real clock the model is. */
  get aheadMs(): number {
    return this.offsetMs;
  }

  /** Let `realMs` pass on the model's clock at once. */
  advance(realMs: number): void {
    this.offsetMs += Math.max(0, realMs);
  }
}

interface Instance {
  fn: LabFunction;
  createdAtMs: number;
  lastUsedMs: number;
  active: number;
}

type Slot = { instance: Instance; cold: boolean } | { throttled: string };

export class ModelPlatform implements InvokerPort {
  private readonly instances = new Map<string, Instance[]>();
  /** Model time each instance was made, by its identifier. */
  private readonly startedAt = new Map<string, number>();
  private readonly settings: Required<Omit<ModelPlatformSettings, 'concurrencyPerInstance'>> & { concurrencyPerInstance: number };
  private readonly context: LabContext;

  constructor(
    settings: ModelPlatformSettings,
    readonly clock: ModelClock,
  ) {
    const profile = settings.profile ?? DEFAULTS.profile;
    this.settings = {
      profile,
      idleTimeoutMs: settings.idleTimeoutMs ?? DEFAULTS.idleTimeoutMs,
      maxLifetimeMs: settings.maxLifetimeMs ?? DEFAULTS.maxLifetimeMs,
      maxInstances: settings.maxInstances ?? DEFAULTS.maxInstances,
      initDelayMs: settings.initDelayMs ?? DEFAULTS.initDelayMs,
      concurrencyPerInstance: settings.concurrencyPerInstance ?? (profile === 'lambda' ? 1 : Number.POSITIVE_INFINITY),
    };
    this.context = { platform: 'model', region: 'here', memoryMb: 128, platformInstanceId: undefined, invokeNested: (name, payload) => this.call(name, payload) };
  }

  async warm(): Promise<void> {}

  async invoke(functionName: string, payload: unknown): Promise<TimedAnswer> {
    return this.answer(functionName, payload);
  }

  async invokeConcurrently(functionName: string, n: number, payload: unknown): Promise<TimedAnswer[]> {
    return Promise.all(Array.from({ length: n }, () => this.answer(functionName, payload)));
  }

  async forceCold(functionName: string): Promise<void> {
    this.instances.delete(functionName);
  }

  async close(): Promise<void> {}

  /** A call from the client, answered and timed as the local gateway's would be. */
  private async answer(functionName: string, payload: unknown): Promise<TimedAnswer> {
    const sendAt = this.clock.now();
    const aheadMs = this.clock.aheadMs;
    const response = await this.call(functionName, payload);
    const endAt = this.clock.now();
    const bodyText = JSON.stringify(this.onModelClock(response.body, aheadMs));
    return { attempts: 1, httpStatus: response.statusCode, sendAt, firstByteAt: endAt, endAt, bodyText, classified: classifyGatewayAnswer(response.statusCode, bodyText) };
  }

  /** One call to a function (from the client or nested): an instance's slot, the cold start's delay, the lab function's answer. */
  private async call(functionName: string, payload: unknown): Promise<LabResponse> {
    if (!Object.hasOwn(DEFINITIONS, functionName)) return { statusCode: 404, body: { error: { type: 'FunctionNotFoundError', message: `no function ${functionName}` } } };
    const slot = this.acquire(functionName);
    if ('throttled' in slot) return { statusCode: 429, body: { error: { type: 'TooManyRequestsError', message: slot.throttled } } };
    try {
      if (slot.cold) await sleep(this.settings.initDelayMs);
      return await slot.instance.fn.handle(payload, this.context);
    } finally {
      slot.instance.active -= 1;
      slot.instance.lastUsedMs = this.clock.now();
    }
  }

  private acquire(functionName: string): Slot {
    const now = this.clock.now();
    const { idleTimeoutMs, maxLifetimeMs, maxInstances, concurrencyPerInstance } = this.settings;
    const alive = (this.instances.get(functionName) ?? []).filter((instance) => instance.active > 0 || (now - instance.lastUsedMs < idleTimeoutMs && now - instance.createdAtMs < maxLifetimeMs));
    this.instances.set(functionName, alive);
    const free = alive.find((instance) => instance.active < concurrencyPerInstance && now - instance.createdAtMs < maxLifetimeMs);
    if (free) {
      free.active += 1;
      return { instance: free, cold: false };
    }
    if (alive.length >= maxInstances) return { throttled: `all ${maxInstances} instances of ${functionName} are busy` };
    const instance: Instance = { fn: createLabFunction(DEFINITIONS[functionName] as LabFunctionDefinition), createdAtMs: now, lastUsedMs: now, active: 1 };
    this.startedAt.set(instance.fn.instance.uuid, now);
    alive.push(instance);
    return { instance, cold: true };
  }

  /** The records' times moved onto the model's clock (they were taken on the real one), instance start times the model's. */
  private onModelClock(body: LabResponse['body'], aheadMs: number): LabResponse['body'] {
    if (!('root_identifier' in body)) return body;
    const moved: Record<string, unknown> = { root_identifier: body.root_identifier };
    for (const [key, value] of Object.entries(body)) {
      if (key === 'root_identifier' || typeof value !== 'object' || value === null) continue;
      const record: Record<string, unknown> = { ...value };
      for (const field of ['execution_start', 'execution_end', 'invocation_start', 'invocation_end']) {
        if (typeof record[field] === 'number') record[field] = (record[field] as number) + aheadMs;
      }
      const instance = typeof record.instance_identifier === 'string' ? this.startedAt.get(record.instance_identifier) : undefined;
      if (instance !== undefined) record.instance_started_at = instance;
      moved[key] = record;
    }
    return moved as LabResponse['body'];
  }
}
