/**
 * `fb run` on the deployed control plane: per experiment one StartExecution of the RunExperiment
 * state machine covering every platform named (its Map runs them in parallel), followed until it
 * ends; each platform's run is printed from the execution's output. The results stay in the
 * deployment's results database.
 */
import { SFNClient } from '@aws-sdk/client-sfn';
import { z } from 'zod';
import { deployedStateMachineArn, followExecution, regionOf, startCloudExecution } from '../../lib/control-plane/cloud-execution';
import type { Experiment } from '../../lib/experiment/define';
import { enforceBudget, plannedRunCosts, printPlannedCosts } from './cost-preflight';
import { checkDeployedRunOptions, type RunRequest } from './run-platforms';

export type CloudRunOptions = RunRequest;

/** One platform's run of an execution, as its FinishRun reported it. */
export interface CloudRunOutcome {
  runId: string;
  platform: string;
  status: string;
  reason?: string;
}

/** What one experiment's execution came to. */
export interface CloudExecutionReport {
  experiment: string;
  executionArn: string;
  status: string;
  runs: CloudRunOutcome[];
  error?: string;
  cause?: string;
}

/** Run each experiment on the deployed control plane; resolves with how many executions did not succeed. */
export async function runInCloud(
  experiments: readonly Experiment[],
  options: CloudRunOptions,
  io: { env: NodeJS.ProcessEnv; pollMs?: number },
): Promise<{ failed: number; executions: CloudExecutionReport[] }> {
  const clientOptions = checkDeployedRunOptions(options.platformOptions, options.gatewayUrl);
  // The budget is checked before anything else: a refused run touches no cloud, not even to look for the deployment.
  const planned = await plannedRunCosts(experiments, { platforms: options.platforms, quick: options.quick, paramOverrides: options.paramOverrides, platformOptions: clientOptions, controlPlane: 'deployed' });
  enforceBudget(planned, options.budgetUsd);
  const stateMachineArn = deployedStateMachineArn(io.env, options.platforms.join(', '));
  printPlannedCosts(planned);
  const client = new SFNClient({ region: regionOf(stateMachineArn) });
  const executions: CloudExecutionReport[] = [];
  try {
    for (const experiment of experiments) {
      const input = {
        experiment: experiment.name,
        platforms: [...options.platforms],
        params: options.paramOverrides,
        quick: options.quick,
        ...(Object.keys(clientOptions).length ? { platformOptions: clientOptions } : {}),
      };
      const executionArn = await startCloudExecution(client, stateMachineArn, input);
      console.error(`${experiment.name} on ${options.platforms.join(', ')}: execution ${executionArn}`);
      const outcome = await followExecution(client, executionArn, {
        onStatus: (status) => console.error(`  ${new Date().toISOString().slice(11, 19)} ${status}`),
        ...(io.pollMs !== undefined ? { pollMs: io.pollMs } : {}),
      });
      const report: CloudExecutionReport = {
        experiment: experiment.name,
        executionArn,
        status: outcome.status,
        runs: runsOf(outcome.output),
        ...(outcome.error ? { error: outcome.error } : {}),
        ...(outcome.cause ? { cause: outcome.cause } : {}),
      };
      executions.push(report);
      if (!options.json) printExecution(report);
    }
  } finally {
    client.destroy();
  }
  if (options.json) console.log(JSON.stringify(executions, null, 2));
  return { failed: executions.filter((execution) => execution.status !== 'SUCCEEDED').length, executions };
}

function printExecution(report: CloudExecutionReport): void {
  if (report.status !== 'SUCCEEDED') {
    console.error(`fb: ${report.experiment} ${report.status.toLowerCase()}: ${report.error ?? ''}${report.cause ? ` — ${report.cause}` : ''}`);
    return;
  }
  for (const run of report.runs) {
    console.log(`${report.experiment} on ${run.platform}: ${run.status} (run ${run.runId}; results in the deployment's results database)${run.reason ? ` — ${run.reason}` : ''}`);
  }
  if (!report.runs.length) console.log(`${report.experiment}: completed (results in the deployment's results database)`);
}

/** A finished execution's output: each branch's FinishRun output in `outcomes[]`. */
const executionOutputSchema = z.object({
  outcomes: z.array(z.object({ runId: z.string(), platform: z.string(), status: z.string(), reason: z.string().optional() })),
});

function runsOf(output: unknown): CloudRunOutcome[] {
  const parsed = executionOutputSchema.safeParse(output);
  return parsed.success ? parsed.data.outcomes.map(({ reason, ...run }) => ({ ...run, ...(reason !== undefined ? { reason } : {}) })) : [];
}
