import { type Command, InvalidArgumentError } from 'commander';
import type { Experiment } from '../../lib/experiment/define';
import { findExperiment, listExperiments } from '../../lib/experiment/registry';
import { parseKeyValues } from '../../lib/experiment/params';
import { DEPLOYED_ONLY_PLATFORMS, PLATFORMS, type PlatformName } from '../../lib/platforms/names';
import { createExperimentFile } from './create-experiment';
import { formatTable } from '../../lib/report/table';
import { PLATFORM_OPTION_NAMES, runPlatformOptionsFromPairs } from './platform-options';
import { parseBudgetUsd } from '../../lib/cost/budget';
import { withInterrupts } from './interrupts';
import { controlPlaneOf, PlatformMixError, parsePlatformList } from './run-platforms';

/*
 * What only a run needs — the local control plane, the suite runner, the cost model's dry run,
 * the Step Functions client — is loaded when a run gets that far, not when `fb run` starts: a
 * mistyped command is refused in about a second (bin/fb.ts loads only the command asked for).
 */
const load = {
  runAll: () => lazy<typeof import('./run-all')>('./run-all', () => import('./run-all')),
  runCloud: () => lazy<typeof import('./run-cloud')>('./run-cloud', () => import('./run-cloud')),
  runLocalCommand: () => lazy<typeof import('./run-local-command')>('./run-local-command', () => import('./run-local-command')),
  runEndpoint: () => lazy<typeof import('./run-endpoint')>('./run-endpoint', () => import('./run-endpoint')),
  costPreflight: () => lazy<typeof import('./cost-preflight')>('./cost-preflight', () => import('./cost-preflight')),
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
    .option('--platform <platforms>', `where the functions run: one of ${PLATFORMS.join(', ')}, or several separated by commas, each a branch of one execution run in parallel`, 'local')
    .option('--quick', "the experiment's quick profile: scaled-down parameters and sleeps, minutes on the local platform")
    .option('--all', 'run every experiment, each in its own run, with a live progress display and a closing table of every run')
    .option('--parallel <k>', 'with --all or several experiments: at most k runs at once (default 2 on this machine, all at once on a cloud platform)', positiveInteger)
    .option('--param <key=value>', 'set an experiment parameter (repeatable; values are JSON where they parse)', collect, [])
    .option('--platform-option <key=value>', `local platform setting (with local among the platforms), or a cloud client's size: ${PLATFORM_OPTION_NAMES.join(', ')} (repeatable)`, collect, [])
    .option('--gateway-url <url>', 'with openfaas among the platforms (local control plane): the gateway to deploy the run\'s functions to (default FB_GATEWAY_URL)')
    .option('--budget <usd>', 'refuse to start when the estimated cost of all the runs together exceeds this many USD (estimated by a dry run; cloud runs print the estimate anyway)', parseBudgetUsd)
    .option('--endpoint <url>', 'run as an execution of a running fb serve (its Step Functions API), e.g. http://127.0.0.1:8083')
    .option('--json', 'print the outcome as JSON')
    .action(async (names: string[], options: RunCommandOptions) => {
      if (options.all && names.length) throw new Error('--all runs every experiment: name none, or leave out --all');
      if (!options.all && !names.length) throw new Error('name an experiment to run (fb list), or use --all');
      // Everything is checked before the first run starts: a typo fails at once, writing nothing.
      const experiments = options.all ? listExperiments() : names.map((name) => findExperiment(name));
      const platforms = parsePlatformList(options.platform);
      if (options.endpoint !== undefined) {
        const { failed } = await (await load.runEndpoint()).runAtEndpoint(experiments, { ...options, platforms, endpoint: options.endpoint });
        if (failed) process.exitCode = 1;
        return;
      }
      if (options.all || options.parallel !== undefined) {
        await runSuiteCommand(experiments, platforms, options);
        return;
      }
      const run = {
        platforms,
        quick: Boolean(options.quick),
        paramOverrides: parseKeyValues(options.param, '--param'),
        platformOptions: runPlatformOptionsFromPairs(options.platformOption),
        ...(options.gatewayUrl !== undefined ? { gatewayUrl: options.gatewayUrl } : {}),
        ...(options.budget !== undefined ? { budgetUsd: options.budget } : {}),
        json: Boolean(options.json),
      };
      const { failed } =
        controlPlaneOf(platforms) === 'deployed'
          ? await (await load.runCloud()).runInCloud(experiments, run, { env: process.env })
          : await (await load.runLocalCommand()).runOnLocalControlPlane(experiments, run, { env: process.env, cwd: process.cwd() });
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
 * `fb run --all`, or several experiments with `--parallel`: the suite runner (./run-all.ts).
 * The first Ctrl-C starts no more runs and aborts the running ones, which tear down; a second
 * one quits at once.
 */
async function runSuiteCommand(experiments: readonly Experiment[], platforms: readonly PlatformName[], options: RunCommandOptions): Promise<void> {
  const [platform] = platforms;
  if (platforms.length !== 1 || !platform) throw new PlatformMixError(`--all and --parallel run on one platform at a time, not ${platforms.join(',')}: run the suite once per platform, or name the experiments without --all/--parallel`);
  if (options.all && options.param.length) throw new Error('--param names one experiment\'s parameters: not with --all');
  const params = parseKeyValues(options.param, '--param');
  // The prior estimates first, as for one run: held against --budget, printed for a cloud platform.
  const cloud = DEPLOYED_ONLY_PLATFORMS.includes(platform);
  if (cloud || options.budget !== undefined) {
    const { client } = runPlatformOptionsFromPairs(options.platformOption);
    const { enforceBudget, plannedRunCosts, printPlannedTotals } = await load.costPreflight();
    const planned = await plannedRunCosts(experiments, { platforms: [platform], quick: Boolean(options.quick), paramOverrides: params, platformOptions: client, controlPlane: cloud ? 'deployed' : 'local' });
    enforceBudget(planned, options.budget);
    if (cloud) printPlannedTotals(planned);
  }
  const runAll = await load.runAll();
  await withInterrupts('no more runs start; the running ones are aborted and torn down', async (signal) => {
    const { exitCode } = await runAll.runSuite(
      {
        jobs: experiments.map((experiment) => ({ experiment: experiment.name, params })),
        platform,
        quick: Boolean(options.quick),
        ...(options.parallel !== undefined ? { parallel: options.parallel } : {}),
        platformOptions: runPlatformOptionsFromPairs(options.platformOption),
        ...(options.gatewayUrl ? { gatewayUrl: options.gatewayUrl } : {}),
        json: Boolean(options.json),
      },
      { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd(), signal },
    );
    if (exitCode) process.exitCode = exitCode;
  });
}

interface RunCommandOptions {
  /** Comma-separated platform names, parsed by parsePlatformList. */
  platform: string;
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
