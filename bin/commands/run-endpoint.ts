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
import type { FunctionSummary, RunRow } from '../../lib/results/types';
import { withStore } from './store';

export class EndpointOptionError extends Error {
  override name = 'EndpointOptionError';
}

export class NoStateMachineAtEndpointError extends Error {
  override name = 'NoStateMachineAtEndpointError';
}

/** The `fb run` options `--endpoint` cannot honour: the server decides where and how a run runs. */
export function refuseUnsupportedEndpointOptions(options: { platform: string; gatewayUrl?: string | undefined; all?: boolean | undefined; parallel?: number | undefined; budget?: number | undefined }): void {
  const refused = [
    options.platform !== 'local' ? `--platform ${options.platform}` : '',
    options.gatewayUrl ? '--gateway-url' : '',
    options.all ? '--all' : '',
    options.parallel !== undefined ? '--parallel' : '',
    options.budget !== undefined ? '--budget' : '',
  ].filter(Boolean);
  if (refused.length) throw new EndpointOptionError(`--endpoint runs on the local platform of the fb serve it names, one experiment after another: not with ${refused.join(', ')}`);
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
  platform: string;
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
      const input = { experiment: experiment.name, platforms: [options.platform], params: options.paramOverrides, quick: options.quick, platformOptions: options.platformOptions };
      const executionArn = await startCloudExecution(client, stateMachineArn, input);
      options.report(`${experiment.name}: execution ${executionArn}`);
      const stop = () => {
        options.report('interrupted: stopping the execution (StopExecution); fb serve tears it down');
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
