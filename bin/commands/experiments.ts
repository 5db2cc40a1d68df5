import { type Command, Option } from 'commander';
import type { BenchmarkerProgress } from '../../client-agent/benchmarker/benchmarker';
import { findExperiment, loadExperiments } from '../../client-agent/experiment/registry';
import { parseKeyValues } from '../../client-agent/run/params';
import { RunFailedError, runExperiment } from '../../client-agent/run/run-experiment';
import { createExperimentFile } from '../../client-agent/experiment/create';
import { formatTable } from '../../lib/report/table';
import { platformOptionsFromPairs } from './platform-options';
import { ProgressLine } from './progress';
import { printSummary } from './runs';
import { withStore } from './store';

const PLATFORMS = ['local', 'openfaas'] as const;

/** `fb list`, `fb run`, `fb create-experiment`. */
export function registerExperimentCommands(program: Command): void {
  program
    .command('list')
    .description('list the experiments with their description, functions and quick duration')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const experiments = await loadExperiments();
      if (options.json) {
        console.log(JSON.stringify(experiments.map((e) => ({ name: e.name, description: e.description, functions: e.functions, quickDuration: e.quick.expectedDuration })), null, 2));
        return;
      }
      console.log(formatTable(['experiment', 'functions', 'quick', 'description'], experiments.map((e) => [e.name, e.functions.join(','), e.quick.expectedDuration, firstSentence(e.description)])));
    });

  program
    .command('run')
    .description('run experiments and store their results (local platform by default)')
    .argument('<experiment...>', 'experiment names (fb list)')
    .addOption(new Option('--platform <platform>', 'where the functions run').choices(PLATFORMS).default('local'))
    .option('--quick', "the experiment's quick profile: scaled-down parameters and sleeps, minutes on the local platform")
    .option('--param <key=value>', 'set an experiment parameter (repeatable; values are JSON where they parse)', collect, [])
    .option('--platform-option <key=value>', 'local platform setting: idle-timeout, max-lifetime, max-instances, profile, concurrency-per-instance, scale-out-interval, init-delay (repeatable)', collect, [])
    .option('--gateway-url <url>', 'an OpenFaaS-compatible gateway already running (default for --platform openfaas: FB_GATEWAY_URL)')
    .option('--json', 'print the outcome as JSON')
    .action(async (names: string[], options: RunCommandOptions) => {
      // Everything is checked before the first run starts: a typo fails at once, writing nothing.
      const experiments = await Promise.all(names.map((name) => findExperiment(name)));
      const paramOverrides = parseKeyValues(options.param, '--param');
      const platformOptions = platformOptionsFromPairs(options.platformOption);
      const gatewayUrl = options.gatewayUrl ?? (options.platform === 'openfaas' ? process.env.FB_GATEWAY_URL : undefined);
      if (options.platform === 'openfaas' && !gatewayUrl) throw new Error('--platform openfaas needs --gateway-url or FB_GATEWAY_URL');
      if (gatewayUrl && Object.keys(platformOptions).length) throw new Error('--platform-option applies only to the local platform, not to --gateway-url');
      const controller = new AbortController();
      const onSignal = () => controller.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      let failed = 0;
      const outcomes: unknown[] = [];
      try {
        await withStore(async (store) => {
          for (const experiment of experiments) {
            const progress = new ProgressLine(experiment.name);
            try {
              const outcome = await runExperiment({
                experiment,
                quick: Boolean(options.quick),
                paramOverrides,
                platformOptions,
                gatewayUrl,
                store,
                signal: controller.signal,
                onStart: (run) => progress.log(`run ${run.id}: ${experiment.name} on ${run.platform}${options.quick ? ' (quick)' : ''}`),
                onLog: (message) => progress.log(`  ${message}`),
                onProgress: (p: Readonly<BenchmarkerProgress>) => progress.update(p),
              });
              progress.stop();
              outcomes.push({ run: outcome.run, summary: outcome.summary });
              if (!options.json) {
                console.log(`\n${experiment.name}: ${outcome.run.status} (run ${outcome.run.id})`);
                printSummary(outcome.summary);
              }
            } catch (error) {
              progress.stop();
              if (!(error instanceof RunFailedError)) throw error;
              failed += 1;
              console.error(`fb: ${error.message}`);
              outcomes.push({ run: await store.getRun(error.runId), summary: await store.summarize(error.runId) });
              if (controller.signal.aborted) break;
            }
          }
        });
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

interface RunCommandOptions {
  platform: (typeof PLATFORMS)[number];
  quick?: boolean;
  param: string[];
  platformOption: string[];
  gatewayUrl?: string;
  json?: boolean;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function firstSentence(text: string): string {
  const match = /^(.+?\.)(\s|$)/.exec(text);
  return match?.[1] ?? text;
}
