import type { ProviderConfig } from '../../agent/provider-config';
import { findExperiment } from '../../experiment/registry';
import type { BranchInput, FunctionProvisioner, ReadinessCheck, RemovalCheck } from '../platform';

/** A local platform this provisioner started: where its gateway listens, and how to stop it. */
export interface RunningLocalPlatform {
  url: string;
  stop(): Promise<void>;
  /** The settings in force (every default applied): what the run's manifest records. */
  settings: Record<string, unknown>;
  /** The gateway's credential for its /system routes: the agent scales to zero with it (`forceCold`). */
  credentials: { user: string; password: string };
}

/**
 * Starts a local FaaS platform with these settings (the experiment's quick settings under the
 * run's `--platform-option`s) and the lab functions deployed, on a free port. The local platform
 * itself lives in local/platform (lib/ may not import it); local/control-plane passes this in.
 */
export type LocalPlatformStarter = (settings: Record<string, unknown>) => Promise<RunningLocalPlatform>;

/** The run's local platform is not running in this process (it was stopped, or this is another process). */
export class LocalPlatformGoneError extends Error {
  override name = 'LocalPlatformGoneError';
}

/**
 * ProvisionFunctions for platform `local`: a local FaaS platform per run, with the experiment's
 * quick settings (when quick) under the run's `--platform-option`s, the four lab functions
 * deployed. Ready as soon as it listens; torn down by stopping it (no instance survives).
 */
export class LocalFunctionProvisioner implements FunctionProvisioner {
  private readonly platforms = new Map<string, RunningLocalPlatform>();

  constructor(private readonly start: LocalPlatformStarter) {}

  async provision(input: BranchInput): Promise<Record<string, unknown>> {
    const experiment = findExperiment(input.experiment);
    const platform = await this.start({ ...(input.quick ? experiment.quick.platform : {}), ...input.platformOptions });
    this.platforms.set(input.run.runId, platform);
    return { gatewayUrl: platform.url, ready: false, settings: platform.settings };
  }

  async check(input: BranchInput): Promise<ReadinessCheck> {
    const platform = this.platforms.get(input.run.runId);
    if (!platform) return { ready: false, failed: true, reason: `no local platform for run ${input.run.runId}` };
    const healthy = await fetch(`${platform.url}/healthz`).then(
      (response) => response.ok,
      () => false,
    );
    return healthy ? { ready: true, gatewayUrl: platform.url } : { ready: false, gatewayUrl: platform.url };
  }

  /** The agent calls the run's platform through its gateway, by the functions' own names. */
  async agentTarget(input: BranchInput): Promise<ProviderConfig> {
    const platform = this.platforms.get(input.run.runId);
    if (!platform) throw new LocalPlatformGoneError(`no local platform for run ${input.run.runId}`);
    return { platform: 'local', gatewayUrl: platform.url, basicAuth: platform.credentials };
  }

  async teardown(input: BranchInput): Promise<void> {
    const platform = this.platforms.get(input.run.runId);
    this.platforms.delete(input.run.runId);
    await platform?.stop();
  }

  /** Teardown stops the run's platform before it answers: gone once it is out of the table. */
  async removal(input: BranchInput): Promise<RemovalCheck> {
    return this.platforms.has(input.run.runId) ? { gone: false, failed: true, state: 'running', reason: `the local platform of run ${input.run.runId} is still running` } : { gone: true, state: 'stopped' };
  }

  /** Stop everything still running (at shutdown). */
  async stopAll(): Promise<void> {
    const platforms = [...this.platforms.values()];
    this.platforms.clear();
    await Promise.all(platforms.map((platform) => platform.stop()));
  }
}
