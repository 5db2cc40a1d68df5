import { type Command, InvalidArgumentError, Option } from 'commander';
import type { Experiment } from '../../lib/experiment/define';
import { findExperiment, listExperiments } from '../../lib/experiment/registry';
import { parseKeyValues, resolveParams } from '../../lib/experiment/params';
import { checkGatewayReachable } from './gateway-check';
import { openFaasGateway } from './openfaas-gateway';
import type { OpenFaasProvisionerOptions } from '../../lib/platforms/openfaas/provisioner';
import { DEPLOYED_ONLY_PLATFORMS, PLATFORMS, type PlatformName } from '../../lib/platforms/names';
import { createExperimentFile } from './create-experiment';
import { validateRunInput } from '../../lib/control-plane/run-input';
import type { ResultsStore } from '../../lib/results/store';
import type { FunctionSummary, RunRow } from '../../lib/results/types';
import { resolvePlatformSettings } from '../../local/platform/options';
import { formatTable } from '../../lib/report/table';
import { PLATFORM_OPTION_NAMES, runPlatformOptionsFromPairs } from './platform-options';
import { formatResult, localRunsDir, printSummary, reportAbandoned } from './runs';
import { failAbandonedLocalRuns } from '../../lib/control-plane/abandoned-runs';
import { parseBudgetUsd } from '../../lib/cost/budget';
import { formatStoredCost } from '../../lib/cost/format';
import { withStore } from './store';

/*
 * What only a run needs — the local control plane, the suite runner, the cost model's dry run,
 * the Step Functions client — is loaded when a run gets that far, not when `fb run` starts: a
 * mistyped command is refused in about a second (bin/fb.ts loads only the command asked for).
 */
const load = {
  expectedRun: () => lazy<typeof import('../../lib/suite/expected-run')>('../../lib/suite/expected-run', () => import('../../lib/suite/expected-run')),
  sfn: () => lazy<typeof import('@aws-sdk/client-sfn')>('@aws-sdk/client-sfn', () => import('@aws-sdk/client-sfn')),
  cloudExecution: () => lazy<typeof import('../../lib/control-plane/cloud-execution')>('../../lib/control-plane/cloud-execution', () => import('../../lib/control-plane/cloud-execution')),
  runAll: () => lazy<typeof import('./run-all')>('./run-all', () => import('./run-all')),
  runLocal: () => lazy<typeof import('../../local/control-plane/run-local')>('../../local/control-plane/run-local', () => import('../../local/control-plane/run-local')),
  costPreflight: () => lazy<typeof import('./cost-preflight')>('./cost-preflight', () => import('./cost-preflight')),
  runProgress: () => lazy<typeof import('./run-progress')>('./run-progress', () => import('./run-progress')),
  runEndpoint: () => lazy<typeof import('./run-endpoint')>('./run-endpoint', () => import('./run-endpoint')),
};

/**
 * A module loaded when first needed: through tsx's CommonJS hook in the CLI (bin/fb.js registers
 * `.ts` with require, and a dynamic import would bypass it), through `import()` where TypeScript
 * is loaded another way (the test runner).
 */
async function lazy<T>(specifier: string, viaImport: () => Promise<T>): Promise<T> {
  if (require.extensions?.['.ts']) return require(specifier) as T;
  return viaImport();
}

/** `fb list`, `fb run`, `fb create-experiment`. */
export function registerExperimentCommands(program: Command): void {
  program
    .command('list')
    .description('list the experiments with their description, functions and quick duration')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const experiments = listExperiments();
      if (options.json) {
        console.log(JSON.stringify(experiments.map((e) => ({ name: e.name, description: e.description, functions: e.functions, quickDuration: e.quick.expectedDuration })), null, 2));
        return;
      }
      console.log(formatTable(['experiment', 'functions', 'quick', 'description'], experiments.map((e) => [e.name, e.functions.join(','), e.quick.expectedDuration, firstSentence(e.description)])));
    });

  program
    .command('run')
    .description('run experiments and store their results (local platform by default); --all runs every one')
    .argument('[experiment...]', 'experiment names (fb list); none with --all')
    .addOption(new Option('--platform <platform>', 'where the functions run').choices(PLATFORMS).default('local'))
    .option('--quick', "the experiment's quick profile: scaled-down parameters and sleeps, minutes on the local platform")
    .option('--all', 'run every experiment, each in its own run, with a live progress display and a closing table of every run')
    .option('--parallel <k>', 'with --all or several experiments: at most k runs at once (default 2 on this machine, all at once on a cloud platform)', positiveInteger)
    .option('--param <key=value>', 'set an experiment parameter (repeatable; values are JSON where they parse)', collect, [])
    .option('--platform-option <key=value>', `local platform setting, or a cloud client's size: ${PLATFORM_OPTION_NAMES.join(', ')} (repeatable)`, collect, [])
    .option('--gateway-url <url>', 'with --platform openfaas: the gateway to deploy the run\'s functions to (default FB_GATEWAY_URL)')
    .option('--budget <usd>', 'refuse to start when the estimated cost of all the runs together exceeds this many USD (estimated by a dry run; cloud runs print the estimate anyway)', parseBudgetUsd)
    .option('--endpoint <url>', 'run as an execution of a running fb serve (its Step Functions API), e.g. http://127.0.0.1:8083')
    .option('--json', 'print the outcome as JSON')
    .action(async (names: string[], options: RunCommandOptions) => {
      if (options.all && names.length) throw new Error('--all runs every experiment: name none, or leave out --all');
      if (!options.all && !names.length) throw new Error('name an experiment to run (fb list), or use --all');
      // Everything is checked before the first run starts: a typo fails at once, writing nothing.
      const experiments = options.all ? listExperiments() : names.map((name) => findExperiment(name));
      if (options.endpoint !== undefined) {
        await runAtEndpoint(experiments, { ...options, endpoint: options.endpoint });
        return;
      }
      if (options.all || options.parallel !== undefined) {
        await runSuiteCommand(experiments, options);
        return;
      }
      if (DEPLOYED_ONLY_PLATFORMS.includes(options.platform)) {
        await runInCloud(experiments, options);
        return;
      }
      const paramOverrides = parseKeyValues(options.param, '--param');
      const { local: platformOptions, client: clientOptions } = runPlatformOptionsFromPairs(options.platformOption);
      if (Object.keys(clientOptions).length) throw new Error('client-instance-type and client-vm-size apply to the cloud platforms (aws-lambda, azure-functions)');
      const openfaas = options.platform === 'openfaas' ? openFaasGateway(options.gatewayUrl, process.env, process.cwd()) : undefined;
      if (!openfaas && options.gatewayUrl) throw new Error('--gateway-url goes with --platform openfaas');
      if (openfaas && Object.keys(platformOptions).length) throw new Error('--platform-option applies only to the local platform');
      for (const experiment of experiments) {
        await validateRunInput({ experiment: experiment.name, platforms: [options.platform], params: paramOverrides, quick: Boolean(options.quick), platformOptions });
        if (!openfaas) resolvePlatformSettings({ ...(options.quick ? experiment.quick.platform : {}), ...platformOptions, port: 0 });
      }
      // On this machine only an OpenFaaS cluster of your own could cost anything, and it is not priced.
      if (options.budget !== undefined) {
        const { enforceBudget, plannedRunCosts } = await load.costPreflight();
        enforceBudget(await plannedRunCosts(experiments, { platform: options.platform, quick: Boolean(options.quick), paramOverrides, controlPlane: 'local' }), options.budget);
      }
      if (openfaas) await checkGatewayReachable(openfaas.gatewayUrl);
      // The first Ctrl-C stops the run: it is torn down and marked failed (interrupted). A second
      // one quits at once; the agent and the platform's instances stop with this process (their
      // IPC lifelines), and the next fb command marks the run failed and removes its plan.
      const controller = new AbortController();
      const onSignal = () => {
        if (controller.signal.aborted) process.exit(130);
        process.stderr.write('\ninterrupted: stopping the run and tearing it down (Ctrl-C again to quit at once)\n');
        controller.abort();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      let failed = 0;
      const outcomes: unknown[] = [];
      try {
        await withStore(async (store) => {
          for (const experiment of experiments) {
            if (controller.signal.aborted) break;
            const outcome = await runThroughControlPlane(store, experiment, {
              platform: options.platform,
              quick: Boolean(options.quick),
              paramOverrides,
              platformOptions,
              openfaas,
              signal: controller.signal,
            });
            outcomes.push(...outcome.results);
            failed += outcome.failed;
            if (!options.json) for (const result of outcome.results) printOutcome(result);
          }
        }, { forLocalRuns: true });
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
      if (options.json) console.log(JSON.stringify(outcomes, null, 2));
      if (failed) process.exitCode = 1;
    });

  program
    .command('create-experiment')
    .description('write a documented, runnable experiment template to experiments/<name>.ts')
    .argument('<name>', 'kebab-case name, e.g. my-first-experiment')
    .action((name: string) => {
      const file = createExperimentFile(name);
      console.log(`wrote ${file}`);
      console.log(`run it:  npx fb run ${name} --quick`);
    });
}

/**
 * A cloud platform: one StartExecution of the deployed RunExperiment state machine per experiment,
 * followed until it ends. The results stay in the deployment's results database.
 */
async function runInCloud(experiments: readonly Experiment[], options: RunCommandOptions): Promise<void> {
  const { local, client: clientOptions } = runPlatformOptionsFromPairs(options.platformOption);
  if (Object.keys(local).length || options.gatewayUrl) throw new Error('--gateway-url and the local platform\'s --platform-option settings apply only to local runs; a cloud run takes client-instance-type and client-vm-size');
  const paramOverrides = parseKeyValues(options.param, '--param');
  // The budget is checked before anything else: a refused run touches no cloud, not even to look for the deployment.
  const { enforceBudget, plannedRunCosts, printPlannedCosts } = await load.costPreflight();
  const { deployedStateMachineArn, followExecution, regionOf, startCloudExecution } = await load.cloudExecution();
  const { SFNClient } = await load.sfn();
  const planned = await plannedRunCosts(experiments, { platform: options.platform, quick: Boolean(options.quick), paramOverrides, platformOptions: clientOptions, controlPlane: 'deployed' });
  enforceBudget(planned, options.budget);
  const stateMachineArn = deployedStateMachineArn(process.env, options.platform);
  printPlannedCosts(planned);
  const client = new SFNClient({ region: regionOf(stateMachineArn) });
  let failed = 0;
  for (const experiment of experiments) {
    const input = { experiment: experiment.name, platforms: [options.platform], params: paramOverrides, quick: Boolean(options.quick), ...(Object.keys(clientOptions).length ? { platformOptions: clientOptions } : {}) };
    const executionArn = await startCloudExecution(client, stateMachineArn, input);
    console.error(`${experiment.name}: execution ${executionArn}`);
    const outcome = await followExecution(client, executionArn, { onStatus: (status) => console.error(`  ${new Date().toISOString().slice(11, 19)} ${status}`) });
    if (outcome.status !== 'SUCCEEDED') {
      failed += 1;
      console.error(`fb: ${experiment.name} ${outcome.status.toLowerCase()}: ${outcome.error ?? ''}${outcome.cause ? ` — ${outcome.cause}` : ''}`);
    } else {
      console.log(`${experiment.name}: completed (results in the deployment's results database)`);
    }
  }
  client.destroy();
  if (failed) process.exitCode = 1;
}

interface RunResult {
  run: RunRow | undefined;
  summary: FunctionSummary[];
}

/** `fb run --endpoint <url>`: each experiment as an execution of the fb serve there (./run-endpoint.ts). */
async function runAtEndpoint(experiments: readonly Experiment[], options: RunCommandOptions & { endpoint: string }): Promise<void> {
  const { refuseUnsupportedEndpointOptions, runThroughEndpoint } = await load.runEndpoint();
  refuseUnsupportedEndpointOptions(options);
  const paramOverrides = parseKeyValues(options.param, '--param');
  const { local: platformOptions, client: clientOptions } = runPlatformOptionsFromPairs(options.platformOption);
  if (Object.keys(clientOptions).length) throw new Error('client-instance-type and client-vm-size apply to the cloud platforms (aws-lambda, azure-functions)');
  for (const experiment of experiments) await validateRunInput({ experiment: experiment.name, platforms: [options.platform], params: paramOverrides, quick: Boolean(options.quick), platformOptions });
  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const results = await runThroughEndpoint(experiments, {
      endpoint: options.endpoint,
      platform: options.platform,
      quick: Boolean(options.quick),
      paramOverrides,
      platformOptions,
      report: (line) => console.error(line),
      signal: controller.signal,
    });
    if (options.json) console.log(JSON.stringify(results, null, 2));
    for (const result of results) {
      if (!options.json) {
        if (result.runs) for (const run of result.runs) printOutcome(run);
        else console.log(`\n${result.experiment}: ${result.outcome.status.toLowerCase()}${result.outcome.output === undefined ? '' : `\noutput: ${JSON.stringify(result.outcome.output)}`}`);
      }
      if (result.outcome.status !== 'SUCCEEDED') {
        process.exitCode = 1;
        console.error(`fb: ${result.experiment} ${result.outcome.status.toLowerCase()}: ${result.outcome.error ?? ''}${result.outcome.cause ? ` — ${result.outcome.cause}` : ''}`);
      }
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** The embedded default: one RunExperiment execution of the state machine on the local interpreter. */
async function runThroughControlPlane(
  store: ResultsStore,
  experiment: Experiment,
  options: {
    platform: string;
    quick: boolean;
    paramOverrides: Record<string, unknown>;
    platformOptions: Record<string, unknown>;
    openfaas: OpenFaasProvisionerOptions | undefined;
    signal: AbortSignal;
  },
): Promise<{ results: RunResult[]; failed: number }> {
  const name = experiment.name;
  console.error(`${name}: starting a RunExperiment execution on the local control plane${options.quick ? ' (quick)' : ''}`);
  const workDir = localRunsDir();
  reportAbandoned(await failAbandonedLocalRuns(store, { runsDir: workDir }));
  const params = resolveParams(experiment, { quick: options.quick, overrides: options.paramOverrides });
  const { runLocalControlPlane } = await load.runLocal();
  const { withRunProgress } = await load.runProgress();
  const expected = await (await load.expectedRun()).expectedRunOf({ experiment, params, quick: options.quick, platform: options.platform });
  const { execution, runs } = await withRunProgress({ experiment: name, expected, store, workDir }, { stream: process.stderr }, (progress) =>
    runLocalControlPlane({
      input: { experiment: name, platforms: [options.platform], params: options.paramOverrides, quick: options.quick, platformOptions: options.platformOptions },
      openfaas: options.openfaas,
      store: progress.store,
      workDir,
      onAgentOutput: progress.onAgentOutput,
      signal: options.signal,
    }),
  );
  const results: RunResult[] = [];
  for (const run of runs) results.push({ run, summary: await store.summarize(run.id) });
  if (execution.status === 'FAILED') {
    const reasons = runs.map((run) => `run ${run.id} ${run.status}${run.reason ? `: ${run.reason}` : ''}`).join('; ');
    console.error(`fb: ${name} failed: ${execution.error}${reasons ? ` (${reasons})` : `: ${execution.cause}`}`);
    return { results, failed: 1 };
  }
  return { results, failed: 0 };
}

function printOutcome(result: RunResult): void {
  if (!result.run) return;
  console.log(`\n${result.run.experiment}: ${result.run.status} (run ${result.run.id})`);
  if (result.run.result) console.log(`result: ${formatResult(result.run.result)}`);
  const cost = formatStoredCost(result.run);
  if (cost) console.log(`cost: ${cost}`);
  printSummary(result.summary);
}

/**
 * `fb run --all`, or several experiments with `--parallel`: the suite runner (./run-all.ts).
 * The first Ctrl-C starts no more runs and aborts the running ones, which tear down; a second
 * one quits at once.
 */
async function runSuiteCommand(experiments: readonly Experiment[], options: RunCommandOptions): Promise<void> {
  if (options.all && options.param.length) throw new Error('--param names one experiment\'s parameters: not with --all');
  const params = parseKeyValues(options.param, '--param');
  // The prior estimates first, as for one run: held against --budget, printed for a cloud platform.
  const cloud = DEPLOYED_ONLY_PLATFORMS.includes(options.platform);
  if (cloud || options.budget !== undefined) {
    const { client } = runPlatformOptionsFromPairs(options.platformOption);
    const { enforceBudget, plannedRunCosts, printPlannedTotals } = await load.costPreflight();
    const planned = await plannedRunCosts(experiments, { platform: options.platform, quick: Boolean(options.quick), paramOverrides: params, platformOptions: client, controlPlane: cloud ? 'deployed' : 'local' });
    enforceBudget(planned, options.budget);
    if (cloud) printPlannedTotals(planned);
  }
  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write('\ninterrupted: no more runs start; the running ones are aborted and torn down (Ctrl-C again to quit at once)\n');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const { exitCode } = await (await load.runAll()).runSuite(
      {
        jobs: experiments.map((experiment) => ({ experiment: experiment.name, params })),
        platform: options.platform,
        quick: Boolean(options.quick),
        ...(options.parallel !== undefined ? { parallel: options.parallel } : {}),
        platformOptions: runPlatformOptionsFromPairs(options.platformOption),
        ...(options.gatewayUrl ? { gatewayUrl: options.gatewayUrl } : {}),
        json: Boolean(options.json),
      },
      { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd(), signal: controller.signal },
    );
    if (exitCode) process.exitCode = exitCode;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

interface RunCommandOptions {
  platform: PlatformName;
  quick?: boolean;
  all?: boolean;
  parallel?: number;
  param: string[];
  platformOption: string[];
  gatewayUrl?: string;
  budget?: number;
  json?: boolean;
  endpoint?: string;
}

function positiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new InvalidArgumentError('must be a positive integer');
  return number;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function firstSentence(text: string): string {
  const match = /^(.+?\.)(\s|$)/.exec(text);
  return match?.[1] ?? text;
}
