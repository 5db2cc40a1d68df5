/**
 * Stored runs made fast: an experiment of the catalog run by the real Benchmarker against the
 * in-process model platform (./model-platform.ts), its rows written by the agent's RowSink into a
 * results store, and the run's row taken through the statuses, result, clock offset and cost
 * estimate FinishRun stores — so a report, the web UI or `fb show` sees a run like any other
 * (its platform is named `model`, its manifest says what made it).
 *
 * Sleeps cost no real time (the model's clock jumps), so an idle-gap search of hours runs in a
 * fraction of a second; the open-loop experiments run their schedule in real time, scaled by the
 * time scale given.
 */
import { randomUUID } from 'node:crypto';
import { Benchmarker } from '../client-agent/benchmarker/benchmarker';
import { RowSink } from '../client-agent/benchmarker/row-sink';
import { estimateRunCost } from '../lib/cost/run-cost';
import { findExperiment } from '../lib/experiment/registry';
import type { ResultsStore } from '../lib/results/store';
import type { RunRow } from '../lib/results/types';
import { FB_VERSION } from '../lib/version';
import { ModelClock, ModelPlatform, type ModelPlatformSettings } from './model-platform';

export interface ModelRunOptions {
  experiment: string;
  /** Parameter overrides on top of the experiment's quick profile. */
  params?: Record<string, unknown>;
  /** @default the quick profile's */
  timeScale?: number;
  /** Merged over the quick profile's platform settings. */
  platform?: ModelPlatformSettings;
  /** The run's platform name. @default 'model' */
  platformName?: string;
}

/** A Benchmarker whose sleeps move the model's clock instead of waiting. */
class ModelBenchmarker extends Benchmarker {
  constructor(
    options: ConstructorParameters<typeof Benchmarker>[0],
    private readonly modelClock: ModelClock,
  ) {
    super(options);
  }

  override async sleep(ms: number): Promise<void> {
    if (!(ms >= 0)) throw new RangeError(`sleep needs a non-negative time, got ${ms}`);
    this.modelClock.advance(ms * this.timeScale);
    // Let answers and timers already due run, as a real sleep would.
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Run the experiment on the model and store it; resolves with the stored run (completed or failed). */
export async function storeModelRun(store: ResultsStore, options: ModelRunOptions): Promise<RunRow> {
  const experiment = findExperiment(options.experiment);
  const params = experiment.params.parse({ ...(experiment.quick.params ?? {}), ...(options.params ?? {}) }) as Record<string, unknown>;
  const timeScale = options.timeScale ?? experiment.quick.timeScale;
  const settings: ModelPlatformSettings = { ...(experiment.quick.platform ?? {}), ...(options.platform ?? {}) };
  const platform = options.platformName ?? 'model';
  const runId = randomUUID();
  await store.createRun({
    id: runId,
    experiment: experiment.name,
    platform,
    client_platform: 'local',
    params,
    manifest: { fb_version: FB_VERSION, node: process.version, quick: true, time_scale: timeScale, platform_options: settings, made_by: 'test-support/model-runs.ts: the in-process model platform' },
  });
  await store.setRunStatus(runId, 'provisioning');
  await store.setRunStatus(runId, 'running');
  const clock = new ModelClock();
  const sink = new RowSink(store);
  const bench = new ModelBenchmarker({ runId, invoker: new ModelPlatform(settings, clock), sink, timeScale }, clock);
  let failure: string | undefined;
  try {
    await experiment.run(bench, params as never);
  } catch (error) {
    failure = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  } finally {
    await sink.flush();
  }
  await store.setRunStatus(runId, 'collecting');
  if (bench.headline) await store.setRunResult(runId, bench.headline);
  const offset = bench.clockOffset;
  if (offset) await store.mergeRunManifest(runId, { clock: { offset_ms: offset.offsetMs, error_ms: offset.errorMs, samples: offset.samples } });
  await store.setRunStatus(runId, 'destroying');
  const estimate = await estimateRunCost(store, {
    runId,
    platform,
    platformOptions: {},
    client: undefined,
    agent: { resultsLocation: 'model', invocations: sink.written.invocations, experimentRows: sink.written.experimentRows },
    controlPlane: 'local',
    heartbeatIntervalMs: 60_000,
    now: new Date(),
  });
  await store.setRunCost(runId, estimate.usd, { ...estimate });
  if (failure) await store.setRunStatus(runId, 'failed', failure);
  else await store.setRunStatus(runId, 'completed');
  const stored = await store.getRun(runId);
  if (!stored) throw new Error(`run ${runId} vanished from the store`);
  return stored;
}
