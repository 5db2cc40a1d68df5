import { statSync } from 'node:fs';
import { EventLog } from './events';
import {
  type FunctionDeployment,
  functionDeploymentSchema,
  InvalidDeploymentError,
  labFunctionDeployment,
  memoryMbFromQuantity,
  minReplicasOf,
  resolveImage,
} from './deployments';
import { FunctionPool } from './function-pool';
import { initDelayOfBundle, type PlatformSettings } from './options';
import { LAB_FUNCTION_NAMES } from '../../lab-functions/names';

export class FunctionNotFoundError extends Error {
  override name = 'FunctionNotFoundError';
}

export class FunctionExistsError extends Error {
  override name = 'FunctionExistsError';
}

interface DeployedFunction {
  deployment: FunctionDeployment;
  pool: FunctionPool;
  createdAt: string;
}

/** One function as `GET /system/functions` lists it (OpenFaaS FunctionStatus). */
export interface FunctionStatus {
  name: string;
  image: string;
  namespace: string;
  envProcess: string;
  envVars: Record<string, string>;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  replicas: number;
  availableReplicas: number;
  invocationCount: number;
  /** Invocations refused with 429 because no instance had room (not in OpenFaaS's FunctionStatus: the local platform's own ground truth). */
  throttledCount: number;
  createdAt: string;
}

/** One live instance as `GET /system/instances` lists it. */
export interface InstanceStatus {
  id: string;
  function: string;
  pid: number | undefined;
  state: string;
  /** Epoch ms the process was spawned. */
  startedAt: number;
  /** Ms from spawn to listening, once ready. */
  startupMs: number | null;
  inFlight: number;
  served: number;
}

/**
 * The local FaaS platform's state: deployed functions, each with its pool of instances, and the
 * event log. The HTTP gateway in gateway.ts is a thin layer over this.
 */
export class LocalPlatform {
  readonly events = new EventLog();
  private readonly functions = new Map<string, DeployedFunction>();
  private gatewayUrl = '';

  /**
   * @param customImages bundles of the starting program's own, by image name (e.g. a test's
   *   misbehaving function); the API itself can name only the built lab functions.
   */
  constructor(
    readonly settings: PlatformSettings,
    private readonly customImages: ReadonlyMap<string, string> = new Map(),
  ) {}

  /** Where instances send nested calls; set once the gateway listens. */
  setGatewayUrl(url: string): void {
    this.gatewayUrl = url;
  }

  deployLabFunctions(): void {
    for (const name of LAB_FUNCTION_NAMES) if (!this.functions.has(name)) this.deploy(labFunctionDeployment(name));
  }

  deploy(body: unknown): FunctionStatus {
    const deployment = parseDeployment(body);
    if (this.functions.has(deployment.service)) throw new FunctionExistsError(`function ${deployment.service} already exists; use PUT to update it`);
    const poolDeployment = this.poolDeployment(deployment);
    const pool = new FunctionPool(poolDeployment, this.settings, this.events, (id) => this.instanceEnv(id, deployment, poolDeployment.bundlePath));
    this.functions.set(deployment.service, { deployment, pool, createdAt: new Date().toISOString() });
    this.events.add({ type: 'function-deployed', function: deployment.service, detail: deployment.image });
    return this.status(deployment.service);
  }

  /** Replace a deployment; its running instances are retired so new ones pick up the change. */
  async update(body: unknown): Promise<FunctionStatus> {
    const deployment = parseDeployment(body);
    const existing = this.lookup(deployment.service);
    const poolDeployment = this.poolDeployment(deployment);
    const pool = new FunctionPool(poolDeployment, this.settings, this.events, (id) => this.instanceEnv(id, deployment, poolDeployment.bundlePath));
    pool.invocationCount = existing.pool.invocationCount;
    pool.throttledCount = existing.pool.throttledCount;
    this.functions.set(deployment.service, { deployment, pool, createdAt: existing.createdAt });
    this.events.add({ type: 'function-updated', function: deployment.service, detail: deployment.image });
    await existing.pool.close('function-removed');
    return this.status(deployment.service);
  }

  async remove(name: string): Promise<void> {
    const existing = this.lookup(name);
    this.functions.delete(name);
    await existing.pool.close('function-removed');
    this.events.add({ type: 'function-removed', function: name });
  }

  async scale(name: string, replicas: number): Promise<void> {
    await this.lookup(name).pool.scaleTo(replicas);
  }

  pool(name: string): FunctionPool {
    return this.lookup(name).pool;
  }

  list(): FunctionStatus[] {
    return [...this.functions.keys()].map((name) => this.status(name));
  }

  status(name: string): FunctionStatus {
    const { deployment, pool, createdAt } = this.lookup(name);
    return {
      name,
      image: deployment.image,
      namespace: deployment.namespace ?? 'openfaas-fn',
      envProcess: deployment.envProcess ?? '',
      envVars: deployment.envVars ?? {},
      labels: deployment.labels ?? {},
      annotations: deployment.annotations ?? {},
      replicas: pool.liveCount,
      availableReplicas: pool.readyCount,
      invocationCount: pool.invocationCount,
      throttledCount: pool.throttledCount,
      createdAt,
    };
  }

  instances(functionName?: string): InstanceStatus[] {
    const result: InstanceStatus[] = [];
    for (const [name, { pool }] of this.functions) {
      if (functionName && name !== functionName) continue;
      for (const instance of pool.instances) {
        result.push({
          id: instance.id,
          function: name,
          pid: instance.pid,
          state: instance.state,
          startedAt: instance.startedAtEpochMs,
          startupMs: instance.readyAtMs === undefined ? null : instance.readyAtMs - instance.startedAtMs,
          inFlight: instance.inFlight,
          served: instance.served,
        });
      }
    }
    return result;
  }

  /** Stop every instance of every function (the functions stay deployed only in memory). */
  async shutdown(): Promise<void> {
    await Promise.all([...this.functions.values()].map(({ pool }) => pool.close('shutdown')));
  }

  /** Synchronous last resort at process exit. */
  killAll(): void {
    for (const { pool } of this.functions.values()) pool.killAll();
  }

  private lookup(name: string): DeployedFunction {
    const found = this.functions.get(name);
    if (!found) throw new FunctionNotFoundError(`function ${name} not found`);
    return found;
  }

  private poolDeployment(deployment: FunctionDeployment) {
    // Validated here, at deploy time, rather than when the first instance starts.
    memoryMbFromQuantity(deployment.limits?.memory);
    return {
      name: deployment.service,
      bundlePath: resolveImage(deployment.image, this.settings.bundleDir, this.customImages),
      env: deployment.envVars ?? {},
      minReplicas: minReplicasOf(deployment),
    };
  }

  /**
   * The environment of one instance: the deployment's variables, then the platform's own. Its
   * init delay is `initDelayMs` plus `initDelayPerMbMs` for each MB of the bundle as it is when
   * the instance starts.
   */
  private instanceEnv(instanceId: string, deployment: FunctionDeployment, bundlePath: string): Record<string, string> {
    const memoryMb = memoryMbFromQuantity(deployment.limits?.memory) ?? this.settings.memoryMb;
    const initDelayMs = this.settings.initDelayPerMbMs > 0 ? initDelayOfBundle(this.settings, statSync(bundlePath).size) : this.settings.initDelayMs;
    return {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      PORT: '0',
      HOSTNAME: instanceId,
      FB_PLATFORM: 'local',
      FB_REGION: 'local',
      FB_INSTANCE_ID: instanceId,
      FB_GATEWAY_URL: this.gatewayUrl,
      FB_MEMORY_MB: String(memoryMb),
      FB_INIT_DELAY_MS: String(initDelayMs),
      FB_CLOCK_SKEW_MS: String(this.settings.clockSkewMs),
    };
  }
}

function parseDeployment(body: unknown): FunctionDeployment {
  const parsed = functionDeploymentSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidDeploymentError(`${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}
