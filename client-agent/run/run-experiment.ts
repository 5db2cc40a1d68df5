import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { ResultsStore } from '../../lib/results/store';
import type { FunctionSummary, RunRow } from '../../lib/results/types';
import { type PlatformOptionsInput, type PlatformSettings, resolvePlatformSettings, scalingSettings } from '../../local/platform/options';
import { type RunningPlatform, startLocalPlatform } from '../../local/platform/start';
import type { BenchmarkerProgress } from '../benchmarker/benchmarker';
import type { Experiment } from '../experiment/define';
import { EXPERIMENTS_DIR } from '../experiment/registry';
import { failAbandonedLocalRuns } from '../../lib/control-plane/abandoned-runs';
import { runAgentExperiment } from './agent-run';
import { checkGateway } from './gateway-check';
import { resolveParams } from './params';

export interface RunExperimentOptions {
  experiment: Experiment;
  /** Run the quick profile: its parameter overrides, time scale and platform settings. */
  quick: boolean;
  /** `--param` values, applied last. */
  paramOverrides?: Record<string, unknown>;
  /** `--platform-option` values for the local platform, applied over the quick profile's. */
  platformOptions?: Partial<PlatformOptionsInput>;
  /** An OpenFaaS-compatible gateway already running; without one, a local platform is started. */
  gatewayUrl?: string;
  store: ResultsStore;
  onLog?: (message: string) => void;
  onProgress?: (progress: Readonly<BenchmarkerProgress>) => void;
  /** Called once the run row exists. */
  onStart?: (run: RunRow) => void;
  signal?: AbortSignal;
}

export interface RunOutcome {
  run: RunRow;
  summary: FunctionSummary[];
}

/**
 * Run one experiment on the embedded default (or an existing OpenFaaS-compatible gateway) and
 * store everything: the run row with its status history, every invocation record, every
 * experiment row. Input is checked before anything is written: an unknown parameter, a bad
 * platform option or an unreachable gateway leaves no run behind. Once the run exists, a failure
 * still stores what was collected and ends the run `failed` with its reason.
 */
export async function runExperiment(options: RunExperimentOptions): Promise<RunOutcome> {
  const { experiment, store } = options;
  const params = resolveParams(experiment, { quick: options.quick, overrides: options.paramOverrides ?? {} });
  const timeScale = options.quick ? experiment.quick.timeScale : 1;
  const platformInput: PlatformOptionsInput = { ...(options.quick ? experiment.quick.platform : {}), ...options.platformOptions, port: 0 };
  // Validated now, before anything starts or is written.
  const settings: PlatformSettings | undefined = options.gatewayUrl ? undefined : resolvePlatformSettings(platformInput);

  let platform: RunningPlatform | undefined;
  let gatewayUrl = options.gatewayUrl;
  if (gatewayUrl) {
    await checkGateway(gatewayUrl, experiment.functions);
  } else {
    platform = await startLocalPlatform({ ...platformInput, build: true });
    gatewayUrl = platform.url;
  }
  try {
    await failAbandonedLocalRuns(store, experiment.name, options.gatewayUrl ? 'openfaas' : 'local');
    const run = await store.createRun(
      {
        id: randomUUID(),
        experiment: experiment.name,
        platform: options.gatewayUrl ? 'openfaas' : 'local',
        client_platform: 'local',
        params,
        manifest: manifest(experiment, { quick: options.quick, timeScale, settings, gatewayUrl: options.gatewayUrl }),
      },
      { exclusive: true },
    );
    options.onStart?.(run);
    await store.setRunStatus(run.id, 'running');
    try {
      await runAgentExperiment({
        experiment,
        params,
        timeScale,
        runId: run.id,
        target: { platform: options.gatewayUrl ? 'openfaas' : 'local', gatewayUrl },
        writer: store,
        onLog: options.onLog,
        onProgress: options.onProgress,
        signal: options.signal,
      });
      await store.setRunStatus(run.id, 'completed');
    } catch (error) {
      const reason = `${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
      await store.setRunStatus(run.id, 'failed', reason);
      throw new RunFailedError(run.id, reason, { cause: error });
    }
    return { run: (await store.getRun(run.id)) as RunRow, summary: await store.summarize(run.id) };
  } finally {
    await platform?.stop();
  }
}

/** A run that started and then failed; its row says why, and what it collected is stored. */
export class RunFailedError extends Error {
  override name = 'RunFailedError';
  constructor(
    readonly runId: string,
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`run ${runId} failed: ${reason}`, options);
  }
}

/** What it takes to reproduce the run. */
function manifest(
  experiment: Experiment,
  details: { quick: boolean; timeScale: number; settings: PlatformSettings | undefined; gatewayUrl: string | undefined },
): Record<string, unknown> {
  let experimentDigest: string | null = null;
  try {
    experimentDigest = createHash('sha256').update(readFileSync(join(EXPERIMENTS_DIR, `${experiment.name}.ts`))).digest('hex');
  } catch {
    // An experiment defined elsewhere (tests); no file to digest.
  }
  const { settings } = details;
  return {
    fb_version: '0.1.0',
    node: process.version,
    host: hostname(),
    pid: process.pid,
    quick: details.quick,
    time_scale: details.timeScale,
    experiment_sha256: experimentDigest,
    gateway: details.gatewayUrl ?? 'local platform',
    platform_settings: settings ? scalingSettings(settings) : null,
  };
}
