/**
 * One experiment of `fb run --all` on a cloud platform: one StartExecution of the deployed
 * RunExperiment state machine, followed until it ends. Interrupting stops the following, never
 * the execution: stopping an execution would skip its Teardown and leave the run's cloud
 * resources behind, so it goes on, tears down after itself, and its ARN is reported.
 */
import type { SFNClient } from '@aws-sdk/client-sfn';
import { followExecution, startCloudExecution } from '../../lib/control-plane/cloud-execution';
import type { SuiteOutcome } from '../../lib/suite/outcome';
import type { SuiteJob } from './suite-local';

export interface CloudSuiteRunnerOptions {
  client: SFNClient;
  stateMachineArn: string;
  platform: string;
  quick: boolean;
  /** The client-size options (`clientInstanceType`, `clientVmSize`), if any. */
  platformOptions: Record<string, unknown>;
  /** Told each execution's ARN once it started. */
  onStarted?: (index: number, executionArn: string) => void;
  /** @default 5000 (DescribeExecution every 5 s) */
  pollMs?: number;
}

/** Where a cloud run's result is: in the deployment's results database, not on this machine. */
const CLOUD_RESULT_NOTE = "in the deployment's results database";

export function cloudSuiteRunner(options: CloudSuiteRunnerOptions): (job: SuiteJob, index: number, signal: AbortSignal) => Promise<SuiteOutcome> {
  return async (job, index, signal) => {
    const startedAt = Date.now();
    const input = { experiment: job.experiment, platforms: [options.platform], params: job.params ?? {}, quick: options.quick, platformOptions: options.platformOptions };
    const executionArn = await startCloudExecution(options.client, options.stateMachineArn, input);
    options.onStarted?.(index, executionArn);
    let outcome: Awaited<ReturnType<typeof followExecution>>;
    try {
      outcome = await followExecution(options.client, executionArn, { signal, ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}) });
    } catch (error) {
      if (!signal.aborted) throw error;
      return { experiment: job.experiment, status: 'failed', durationMs: Date.now() - startedAt, reason: `no longer followed (interrupted); execution ${executionArn} goes on and tears down after itself` };
    }
    const runId = runIdOf(outcome.output);
    const base = { experiment: job.experiment, durationMs: Date.now() - startedAt, ...(runId ? { runId } : {}) };
    if (outcome.status === 'SUCCEEDED') return { ...base, status: 'completed', resultNote: CLOUD_RESULT_NOTE };
    return { ...base, status: 'failed', reason: `${outcome.status.toLowerCase()}: ${[outcome.error, outcome.cause].filter(Boolean).join(' — ') || executionArn}` };
  };
}

/** The run id in a finished execution's output (`outcomes[0].runId`, from FinishRun). */
function runIdOf(output: unknown): string | undefined {
  const outcomes = (output as { outcomes?: { runId?: unknown }[] } | undefined)?.outcomes;
  const runId = Array.isArray(outcomes) ? outcomes[0]?.runId : undefined;
  return typeof runId === 'string' ? runId : undefined;
}
