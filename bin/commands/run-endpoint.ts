/**
 * `fb run <experiment> --endpoint http://127.0.0.1:8083`: the run as an execution of a running
 * `fb serve` (or anything else speaking the Step Functions API with a RunExperiment state
 * machine): StartExecution through @aws-sdk/client-sfn with dummy credentials, in the region of
 * the state machine ListStateMachines names, followed with DescribeExecution until it ends. The
 * first Ctrl-C stops the execution (StopExecution: it is torn down and its runs marked failed).
 *
 * Afterwards the runs of the execution are read from the results store when it is readable
 * (`fb serve` hosts the embedded one; this process reads it as its client), so the outcome prints
 * as a local `fb run`'s does; otherwise the execution's output is what there is to show.
 */
import { ListStateMachinesCommand, SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';
import type { Experiment } from '../../lib/experiment/define';
import { type ExecutionOutcome, followExecution, regionOf, startCloudExecution } from '../../lib/control-plane/cloud-execution';
import { parseKeyValues } from '../../lib/experiment/params';
import type { PlatformName } from '../../lib/platforms/names';
import type { FunctionSummary, RunRow } from '../../lib/results/types';
import { runPlatformOptionsFromPairs } from './platform-options';
import { compareHeadlines, printOutcome } from './run-outcome';
import { controlPlaneOf } from './run-platforms';
import { withInterrupts } from './interrupts';
import { withStore } from './store';

export class EndpointOptionError extends Error {
  override name = 'EndpointOptionError';
}

export class NoStateMachineAtEndpointError extends Error {
  override name = 'NoStateMachineAtEndpointError';
}

/**
 * The `fb run` options `--endpoint` cannot honour: the server decides where a run's functions run
 * (its own local platform, and the OpenFaaS gateway it was started with), and runs one execution at
 * a time for this command.
 */
export function refuseUnsupportedEndpointOptions(options: { platforms: readonly PlatformName[]; gatewayUrl?: string | undefined; all?: boolean | undefined; parallel?: number | undefined; budget?: number | undefined }): void {
  const refused = [
    controlPlaneOf(options.platforms) === 'deployed' ? `--platform ${options.platforms.join(',')}` : '',
    options.gatewayUrl ? '--gateway-url' : '',
    options.all ? '--all' : '',
    options.parallel !== undefined ? '--parallel' : '',
    options.budget !== undefined ? '--budget' : '',
  ].filter(Boolean);
  if (refused.length) throw new EndpointOptionError(`--endpoint runs on the local control plane of the fb serve it names (platforms local and openfaas), one experiment after another: not with ${refused.join(', ')}`);
}

export interface EndpointRunResult {
  experiment: string;
  executionArn: string;
  outcome: ExecutionOutcome;
  /** The execution's runs with their summaries, when the results store could be read. */
  runs: { run: RunRow; summary: FunctionSummary[] }[] | undefined;
}

export interface EndpointRunOptions {
  endpoint: string;
  platforms: readonly PlatformName[];
  quick: boolean;
  paramOverrides: Record<string, unknown>;
  platformOptions: Record<string, unknown>;
  pollMs?: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Progress lines (execution ARN, status changes). */
  report: (line: string) => void;
  signal?: AbortSignal;
}

/** Run each experiment as one execution at the endpoint, in turn. */
export async function runThroughEndpoint(experiments: readonly Experiment[], options: EndpointRunOptions): Promise<EndpointRunResult[]> {
  const credentials = { accessKeyId: 'fb-local', secretAccessKey: 'fb-local' };
  const lister = new SFNClient({ endpoint: options.endpoint, region: 'local', credentials, maxAttempts: 1 });
  let stateMachineArn: string | undefined;
  try {
    const listed = await lister.send(new ListStateMachinesCommand({}));
    stateMachineArn = listed.stateMachines?.find((machine) => machine.name === 'RunExperiment')?.stateMachineArn;
  } catch (error) {
    throw new NoStateMachineAtEndpointError(`${options.endpoint} does not answer as the Step Functions API (is fb serve running there?): ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    lister.destroy();
  }
  if (!stateMachineArn) throw new NoStateMachineAtEndpointError(`${options.endpoint} has no RunExperiment state machine`);
  const client = new SFNClient({ endpoint: options.endpoint, region: regionOf(stateMachineArn), credentials, maxAttempts: 1 });
  const results: EndpointRunResult[] = [];
  try {
    for (const experiment of experiments) {
      if (options.signal?.aborted) break;
      const input = { experiment: experiment.name, platforms: [...options.platforms], params: options.paramOverrides, quick: options.quick, platformOptions: options.platformOptions };
      const executionArn = await startCloudExecution(client, stateMachineArn, input);
      options.report(`${experiment.name}: execution ${executionArn}`);
      const stop = () => {
        client.send(new StopExecutionCommand({ executionArn, error: 'Interrupted', cause: 'fb run --endpoint was interrupted' })).catch((error: unknown) => options.report(`StopExecution failed: ${error instanceof Error ? error.message : String(error)}`));
      };
      options.signal?.addEventListener('abort', stop, { once: true });
      let outcome: ExecutionOutcome;
      try {
        outcome = await followExecution(client, executionArn, { pollMs: options.pollMs ?? 1000, onStatus: (status) => options.report(`  ${new Date().toISOString().slice(11, 19)} ${status}`) });
      } finally {
        options.signal?.removeEventListener('abort', stop);
      }
      results.push({ experiment: experiment.name, executionArn, outcome, runs: await runsOf(executionArn, options) });
    }
  } finally {
    client.destroy();
  }
  return results;
}

/** The execution's runs and summaries from the results store, or undefined when it cannot be read. */
async function runsOf(executionArn: string, options: EndpointRunOptions): Promise<EndpointRunResult['runs']> {
  try {
    return await withStore(
      async (store) => {
        const runs = (await store.listRuns({ limit: 1000 })).filter((run) => run.execution_id === executionArn);
        return Promise.all(runs.map(async (run) => ({ run, summary: await store.summarize(run.id) })));
      },
      { ...(options.env ? { env: options.env } : {}), ...(options.cwd ? { cwd: options.cwd } : {}) },
    );
  } catch (error) {
    options.report(`the results store could not be read (${error instanceof Error ? error.message : String(error)}): showing the execution's output`);
    return undefined;
  }
}

/** What `fb run --endpoint` was given (the parsed `fb run` options). */
export interface EndpointCommandOptions {
  endpoint: string;
  platforms: readonly PlatformName[];
  quick?: boolean | undefined;
  all?: boolean | undefined;
  parallel?: number | undefined;
  param: string[];
  platformOption: string[];
  gatewayUrl?: string | undefined;
  budget?: number | undefined;
  json?: boolean | undefined;
}

/**
 * `fb run --endpoint <url>`: each experiment as an execution of the fb serve there, printed as a
 * local run prints. The first Ctrl-C stops the execution, a second one quits at once.
 */
export async function runAtEndpoint(experiments: readonly Experiment[], options: EndpointCommandOptions): Promise<{ failed: number }> {
  refuseUnsupportedEndpointOptions(options);
  const paramOverrides = parseKeyValues(options.param, '--param');
  const { local: platformOptions, client: clientOptions } = runPlatformOptionsFromPairs(options.platformOption);
  if (Object.keys(clientOptions).length) throw new EndpointOptionError('client-instance-type and client-vm-size apply to the cloud platforms (aws-lambda, azure-functions)');
  let failed = 0;
  await withInterrupts('stopping the execution (StopExecution); fb serve tears it down', async (signal) => {
    const results = await runThroughEndpoint(experiments, {
      endpoint: options.endpoint,
      platforms: options.platforms,
      quick: Boolean(options.quick),
      paramOverrides,
      platformOptions,
      report: (line) => console.error(line),
      signal,
    });
    if (options.json) console.log(JSON.stringify(results, null, 2));
    for (const result of results) {
      if (!options.json) {
        if (result.runs) {
          const several = result.runs.length > 1;
          for (const run of result.runs) printOutcome(run, several);
          const comparison = compareHeadlines(result.runs.map(({ run }) => run));
          if (comparison) console.log(`\n${comparison}`);
        } else {
          console.log(`\n${result.experiment}: ${result.outcome.status.toLowerCase()}${result.outcome.output === undefined ? '' : `\noutput: ${JSON.stringify(result.outcome.output)}`}`);
        }
      }
      if (result.outcome.status !== 'SUCCEEDED') {
        failed += 1;
        console.error(`fb: ${result.experiment} ${result.outcome.status.toLowerCase()}: ${result.outcome.error ?? ''}${result.outcome.cause ? ` — ${result.outcome.cause}` : ''}`);
      }
    }
  });
  return { failed };
}
