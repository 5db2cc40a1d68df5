/**
 * `fb run` on the local control plane (the embedded default): per experiment one RunExperiment
 * execution on the local interpreter covering every platform named (`local`, `openfaas` or both;
 * the state machine's Map runs them in parallel), with its progress on stderr, one line per
 * platform, and the closing output on stdout: each platform's run, then a line comparing their
 * headline results.
 */
import { failAbandonedLocalRuns } from '../../lib/control-plane/abandoned-runs';
import { validateRunInput } from '../../lib/control-plane/run-input';
import type { Experiment } from '../../lib/experiment/define';
import { resolveParams } from '../../lib/experiment/params';
import type { PlatformName } from '../../lib/platforms/names';
import type { OpenFaasProvisionerOptions } from '../../lib/platforms/openfaas/provisioner';
import type { ResultsStore } from '../../lib/results/store';
import { expectedRunOf } from '../../lib/suite/expected-run';
import { runLocalControlPlane } from '../../local/control-plane/run-local';
import { resolvePlatformSettings } from '../../local/platform/options';
import { enforceBudget, plannedRunCosts } from './cost-preflight';
import { checkGatewayReachable } from './gateway-check';
import { openFaasGateway } from './openfaas-gateway';
import { compareHeadlines, printOutcome, type RunResult } from './run-outcome';
import { checkLocalRunOptions, type RunRequest } from './run-platforms';
import { withRunProgress } from './run-progress';
import { localRunsDir, reportAbandoned } from './runs';
import { withInterrupts } from './interrupts';
import { withStore } from './store';

export type LocalRunCommandOptions = RunRequest;

/**
 * Check everything, then run each experiment in turn; resolves with how many executions failed.
 * The first Ctrl-C stops the run: it is torn down and marked failed (interrupted). A second one
 * quits at once; the agent and the platform's instances stop with this process (their IPC
 * lifelines), and the next fb command marks the run failed and removes its plan.
 */
export async function runOnLocalControlPlane(experiments: readonly Experiment[], options: LocalRunCommandOptions, io: { env: NodeJS.ProcessEnv; cwd: string }): Promise<{ failed: number }> {
  const { platforms, paramOverrides } = options;
  checkLocalRunOptions(platforms, options.platformOptions, options.gatewayUrl);
  const platformOptions = options.platformOptions.local;
  const openfaas = platforms.includes('openfaas') ? openFaasGateway(options.gatewayUrl, io.env, io.cwd) : undefined;
  // Everything is checked before the first run starts: a typo fails at once, writing nothing.
  for (const experiment of experiments) {
    await validateRunInput({ experiment: experiment.name, platforms, params: paramOverrides, quick: options.quick, platformOptions });
    if (platforms.includes('local')) resolvePlatformSettings({ ...(options.quick ? experiment.quick.platform : {}), ...platformOptions, port: 0 });
  }
  // On this machine only an OpenFaaS cluster of your own could cost anything, and it is not priced.
  if (options.budgetUsd !== undefined) {
    enforceBudget(await plannedRunCosts(experiments, { platforms, quick: options.quick, paramOverrides, controlPlane: 'local' }), options.budgetUsd);
  }
  if (openfaas) await checkGatewayReachable(openfaas.gatewayUrl);
  let failed = 0;
  const outcomes: RunResult[] = [];
  const several = platforms.length > 1;
  await withInterrupts('stopping the run and tearing it down', (signal) =>
    withStore(
      async (store) => {
        for (const experiment of experiments) {
          if (signal.aborted) break;
          const outcome = await runThroughControlPlane(store, experiment, { ...options, openfaas, signal });
          outcomes.push(...outcome.results);
          failed += outcome.failed;
          if (options.json) continue;
          for (const result of outcome.results) printOutcome(result, several);
          const comparison = several ? compareHeadlines(outcome.results.flatMap((result) => (result.run ? [result.run] : []))) : undefined;
          if (comparison) console.log(`\n${comparison}`);
        }
      },
      { forLocalRuns: true, env: io.env, cwd: io.cwd },
    ),
  );
  if (options.json) console.log(JSON.stringify(outcomes, null, 2));
  return { failed };
}

/** One RunExperiment execution of the state machine on the local interpreter, over every platform. */
async function runThroughControlPlane(
  store: ResultsStore,
  experiment: Experiment,
  options: LocalRunCommandOptions & { openfaas: OpenFaasProvisionerOptions | undefined; signal: AbortSignal },
): Promise<{ results: RunResult[]; failed: number }> {
  const name = experiment.name;
  const over = options.platforms.length > 1 ? ` over ${options.platforms.join(', ')}, in parallel` : '';
  console.error(`${name}: starting a RunExperiment execution on the local control plane${over}${options.quick ? ' (quick)' : ''}`);
  const workDir = localRunsDir();
  reportAbandoned(await failAbandonedLocalRuns(store, { runsDir: workDir }));
  const params = resolveParams(experiment, { quick: options.quick, overrides: options.paramOverrides });
  const expectations = await Promise.all(options.platforms.map(async (platform) => ({ platform, expected: await expectedRunOf({ experiment, params, quick: options.quick, platform }) })));
  const { execution, runs } = await withRunProgress({ experiment: name, platforms: expectations, store, workDir }, { stream: process.stderr }, (progress) =>
    runLocalControlPlane({
      input: { experiment: name, platforms: [...options.platforms], params: options.paramOverrides, quick: options.quick, platformOptions: options.platformOptions.local },
      openfaas: options.openfaas,
      store: progress.store,
      workDir,
      onAgentOutput: progress.onAgentOutput,
      signal: options.signal,
    }),
  );
  // In the order the platforms were named.
  const ordered = [...runs].sort((a, b) => options.platforms.indexOf(a.platform as PlatformName) - options.platforms.indexOf(b.platform as PlatformName));
  const results: RunResult[] = [];
  for (const run of ordered) results.push({ run, summary: await store.summarize(run.id) });
  if (execution.status !== 'SUCCEEDED') {
    const reasons = ordered.map((run) => `run ${run.id} ${run.status}${run.reason ? `: ${run.reason}` : ''}`).join('; ');
    const error = execution.status === 'FAILED' ? execution.error : execution.status;
    const cause = execution.status === 'FAILED' ? execution.cause : `the execution ended ${execution.status}`;
    console.error(`fb: ${name} failed: ${error}${reasons ? ` (${reasons})` : `: ${cause}`}`);
    return { results, failed: 1 };
  }
  return { results, failed: 0 };
}
