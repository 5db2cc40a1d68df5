/**
 * `fb run --all` (and `fb run a b c --parallel K`): every experiment, each in its own run, at most
 * K at a time, with one live progress display and a closing table of every run's status and
 * headline result. Locally each run is its own RunExperiment execution with its own local
 * platform and agent, all sharing this process's results store; on a cloud platform each is one
 * execution of the deployed state machine. One failed run never stops the others; Ctrl-C (the
 * caller's `signal`) starts no more runs and aborts the running ones, which tear down as after
 * any failure. The exit code is 0 only when every run completed.
 */
import { join } from 'node:path';
import { SFNClient } from '@aws-sdk/client-sfn';
import { deployedStateMachineArn, regionOf } from '../../lib/control-plane/cloud-execution';
import { validateRunInput } from '../../lib/control-plane/run-input';
import type { Experiment } from '../../lib/experiment/define';
import { expectedDurationMs } from '../../lib/experiment/expected-duration';
import { resolveParams } from '../../lib/experiment/params';
import { findExperiment } from '../../lib/experiment/registry';
import { DEPLOYED_ONLY_PLATFORMS, type PlatformName } from '../../lib/platforms/names';
import type { OpenFaasProvisionerOptions } from '../../lib/platforms/openfaas/provisioner';
import type { ResultsStore } from '../../lib/results/store';
import { closingSummary, formatClosingTable } from '../../lib/suite/closing-table';
import type { SuiteOutcome } from '../../lib/suite/outcome';
import { SuiteProgress } from '../../lib/suite/progress';
import { type DisplayStream, ProgressDisplay } from '../../lib/suite/progress-display';
import { runBounded } from '../../lib/suite/scheduler';
import { formatElapsed } from '../../lib/report/table';
import { resolvePlatformSettings } from '../../local/platform/options';
import { checkGatewayReachable } from './gateway-check';
import { openFaasGateway } from './openfaas-gateway';
import type { RunPlatformOptions } from './platform-options';
import { cloudSuiteRunner } from './suite-cloud';
import { localSuiteRunner, type SuiteJob } from './suite-local';
import { withStore } from './store';

/** Runs at once on this machine unless `--parallel` says otherwise: two cores, shared. */
export const DEFAULT_LOCAL_PARALLEL = 2;

export class InvalidSuiteError extends Error {
  override name = 'InvalidSuiteError';
}

export interface SuiteOptions {
  jobs: readonly SuiteJob[];
  platform: PlatformName;
  quick: boolean;
  /** @default 2 locally; every experiment at once on a cloud platform (each has its own client machine) */
  parallel?: number;
  platformOptions: RunPlatformOptions;
  /** With platform `openfaas`. */
  gatewayUrl?: string;
  /** Print the outcomes as JSON instead of the closing table. */
  json?: boolean;
}

export interface SuiteIo {
  /** The closing table (or JSON). */
  stdout: DisplayStream;
  /** The progress display and events. */
  stderr: DisplayStream;
  env: NodeJS.ProcessEnv;
  /** Where `.fb/` is. */
  cwd: string;
  /** Aborts the suite (Ctrl-C). */
  signal?: AbortSignal;
  /** Use this store instead of the CLI's (tests). */
  store?: ResultsStore;
  /** Shorter waits for tests. */
  readinessPollMs?: number;
  callsPollMs?: number;
  redrawIntervalMs?: number;
  plainIntervalMs?: number;
}

export interface SuiteReport {
  outcomes: SuiteOutcome[];
  /** 0 when every run completed, else 1. */
  exitCode: number;
}

/** Run the suite; everything is validated before the first run starts, so a typo writes nothing. */
export async function runSuite(options: SuiteOptions, io: SuiteIo): Promise<SuiteReport> {
  if (!options.jobs.length) throw new InvalidSuiteError('no experiments to run');
  const experiments = options.jobs.map((job) => findExperiment(job.experiment));
  const cloud = DEPLOYED_ONLY_PLATFORMS.includes(options.platform);
  const parallel = options.parallel ?? (cloud ? options.jobs.length : DEFAULT_LOCAL_PARALLEL);
  const progress = new SuiteProgress(
    experiments.map((experiment) => ({ experiment: experiment.name, expectedMs: expectedMsOf(experiment, options.quick) })),
    parallel,
  );
  const display = new ProgressDisplay({
    stream: io.stderr,
    snapshot: () => progress.snapshot(),
    ...(io.redrawIntervalMs !== undefined ? { redrawIntervalMs: io.redrawIntervalMs } : {}),
    ...(io.plainIntervalMs !== undefined ? { plainIntervalMs: io.plainIntervalMs } : {}),
  });
  const schedule = (run: (job: SuiteJob, index: number, signal: AbortSignal) => Promise<SuiteOutcome>) => {
    display.start();
    return runBounded({
      jobs: options.jobs,
      parallel,
      ...(io.signal ? { signal: io.signal } : {}),
      run,
      onError: (job, _index, error): SuiteOutcome => ({ experiment: job.experiment, status: 'failed', reason: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }),
      notStarted: (job): SuiteOutcome => ({ experiment: job.experiment, status: 'not started', reason: 'interrupted before it started' }),
      onStart: (index) => {
        progress.start(index);
        display.event(`▸ ${options.jobs[index]?.experiment} started`);
      },
      onFinish: (index, outcome) => {
        progress.end(index, outcome.status);
        display.event(eventLine(outcome));
      },
    })
      .then((outcomes) => {
        for (const [index, outcome] of outcomes.entries()) if (outcome.status === 'not started') progress.end(index, outcome.status);
        return outcomes;
      })
      .finally(() => display.stop());
  };

  let outcomes: SuiteOutcome[];
  if (cloud) {
    outcomes = await runInCloud(options, io, parallel, schedule, display);
  } else {
    const openfaas = await checkLocal(options, io);
    const suiteDir = join(io.cwd, '.fb', 'runs', `suite-${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '')}`);
    io.stderr.write(`${describeSuite(options, parallel)}; each run's agent log under ${suiteDir}\n`);
    const run = (store: ResultsStore) =>
      schedule(
        localSuiteRunner({
          store,
          platform: options.platform === 'openfaas' ? 'openfaas' : 'local',
          quick: options.quick,
          platformOptions: options.platformOptions.local,
          ...(openfaas ? { openfaas } : {}),
          suiteDir,
          onCalls: (index, calls) => progress.setCalls(index, calls),
          ...(io.callsPollMs !== undefined ? { pollMs: io.callsPollMs } : {}),
          ...(io.readinessPollMs !== undefined ? { readinessPollMs: io.readinessPollMs } : {}),
        }),
      );
    outcomes = io.store ? await run(io.store) : await withStore(run, { forLocalRuns: true, env: io.env, cwd: io.cwd });
  }

  if (options.json) io.stdout.write(`${JSON.stringify(outcomes, null, 2)}\n`);
  else io.stdout.write(`\n${formatClosingTable(outcomes)}\n\n${closingSummary(outcomes)}\n`);
  return { outcomes, exitCode: outcomes.every((outcome) => outcome.status === 'completed') ? 0 : 1 };
}

/** The local control plane's checks, as `fb run` makes them, for every experiment; the OpenFaaS gateway when that is the platform. */
async function checkLocal(options: SuiteOptions, io: SuiteIo): Promise<OpenFaasProvisionerOptions | undefined> {
  if (Object.keys(options.platformOptions.client).length) throw new InvalidSuiteError('client-instance-type and client-vm-size: client sizes apply to the cloud platforms (aws-lambda, azure-functions)');
  const openfaas = options.platform === 'openfaas' ? openFaasGateway(options.gatewayUrl, io.env, io.cwd) : undefined;
  if (!openfaas && options.gatewayUrl) throw new InvalidSuiteError('--gateway-url goes with --platform openfaas');
  const localOptions = options.platformOptions.local;
  if (openfaas && Object.keys(localOptions).length) throw new InvalidSuiteError('--platform-option applies only to the local platform');
  for (const job of options.jobs) {
    const experiment = findExperiment(job.experiment);
    await validateRunInput({ experiment: job.experiment, platforms: [options.platform], params: job.params ?? {}, quick: options.quick, platformOptions: localOptions });
    if (!openfaas) resolvePlatformSettings({ ...(options.quick ? experiment.quick.platform : {}), ...localOptions, port: 0 });
  }
  if (openfaas) await checkGatewayReachable(openfaas.gatewayUrl);
  return openfaas;
}

/** One execution of the deployed state machine per experiment. */
async function runInCloud(
  options: SuiteOptions,
  io: SuiteIo,
  parallel: number,
  schedule: (run: (job: SuiteJob, index: number, signal: AbortSignal) => Promise<SuiteOutcome>) => Promise<SuiteOutcome[]>,
  display: ProgressDisplay,
): Promise<SuiteOutcome[]> {
  if (Object.keys(options.platformOptions.local).length || options.gatewayUrl) {
    throw new InvalidSuiteError('only the client-size options (client-instance-type, client-vm-size) apply to a cloud platform; --gateway-url goes with openfaas');
  }
  const stateMachineArn = deployedStateMachineArn(io.env, options.platform);
  for (const job of options.jobs) resolveParams(findExperiment(job.experiment), { quick: options.quick, overrides: job.params ?? {} });
  io.stderr.write(`${describeSuite(options, parallel)}; one execution of ${stateMachineArn} each\n`);
  const client = new SFNClient({ region: regionOf(stateMachineArn) });
  try {
    return await schedule(
      cloudSuiteRunner({
        client,
        stateMachineArn,
        platform: options.platform,
        quick: options.quick,
        platformOptions: options.platformOptions.client,
        onStarted: (index, executionArn) => display.event(`  ${options.jobs[index]?.experiment}: execution ${executionArn}`),
      }),
    );
  } finally {
    client.destroy();
  }
}

/** How long an experiment's run should take: its quick profile's duration, or the full run's when it declares one. */
function expectedMsOf(experiment: Experiment, quick: boolean): number | undefined {
  const text = quick ? experiment.quick.expectedDuration : experiment.expectedDuration;
  return text === undefined ? undefined : expectedDurationMs(text);
}

function describeSuite(options: SuiteOptions, parallel: number): string {
  const count = options.jobs.length;
  return `${count} experiment${count === 1 ? '' : 's'} on ${options.platform}${options.quick ? ' (quick)' : ''}, at most ${parallel} at a time`;
}

function eventLine(outcome: SuiteOutcome): string {
  const after = outcome.durationMs === undefined ? '' : ` after ${formatElapsed(outcome.durationMs)}`;
  if (outcome.status === 'completed') return `✓ ${outcome.experiment} completed${after}${outcome.result ? `: ${outcome.result.sentence}` : ''}`;
  if (outcome.status === 'failed') return `✗ ${outcome.experiment} failed${after}: ${outcome.reason ?? 'no reason given'}`;
  return `- ${outcome.experiment} not started`;
}
