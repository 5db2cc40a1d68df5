/**
 * The cleanup after an execution that ended without going through its own Teardown and
 * ReleaseLock: stopped (`StopExecution`, ABORTED), past its 48-hour timeout (TIMED_OUT), or failed
 * with an error no Catch can take (`States.Runtime`, `States.DataLimitExceeded`: FAILED). In AWS an
 * EventBridge rule on the state machine's "Step Functions Execution Status Change" events invokes
 * the CleanupExecution Lambda with the event (lambdas/steps/cleanup-execution.ts); locally
 * `runLocalControlPlane` calls it when an execution does not succeed.
 *
 * For every run of the execution (`runs.execution_id` = the execution ARN) still active, it tears
 * down what the run's branch may have made (client, then functions; both idempotent, so a branch
 * that already tore down costs nothing) and marks the run failed with the execution's status and
 * error, naming anything it could not remove. Runs already completed or failed are left alone, so
 * the event of an execution that ended normally (RunFailed) changes nothing.
 */
import { z } from 'zod';
import type { BranchInput, ClientDriver, FunctionProvisioner } from '../platforms/platform';
import type { ResultsStore } from '../results/store';
import { FINAL_RUN_STATUSES, type RunRow } from '../results/types';
import type { CallbackIssuer } from './steps';

/** The statuses whose executions may have skipped Teardown. */
export const CLEANUP_STATUSES = ['ABORTED', 'TIMED_OUT', 'FAILED'] as const;

/** The parts of EventBridge's "Step Functions Execution Status Change" event this reads. */
export const executionStatusChangeSchema = z.looseObject({
  source: z.literal('aws.states'),
  'detail-type': z.literal('Step Functions Execution Status Change'),
  detail: z.looseObject({
    executionArn: z.string().startsWith('arn:'),
    status: z.string(),
    error: z.string().nullish(),
    cause: z.string().nullish(),
  }),
});
export type ExecutionStatusChange = z.infer<typeof executionStatusChangeSchema>;

export interface CleanupDependencies {
  store: Pick<ResultsStore, 'listRuns' | 'setRunStatus'>;
  provisioners: Readonly<Record<string, FunctionProvisioner>>;
  clients: Readonly<Record<string, ClientDriver>>;
  callbacks: Pick<CallbackIssuer, 'revoke'>;
  /**
   * Stores what a run's agent had written before it was stopped, once its client is torn down
   * (the local control plane reads the results file beside the plan). A failure is reported in
   * the run's reason, never stops the teardown.
   */
  collectPartialResults?: (run: RunRow) => Promise<void>;
}

export interface CleanupOutcome {
  executionArn: string;
  status: string;
  /** Runs marked failed here, with what could not be removed (empty when everything was). */
  cleaned: { runId: string; platform: string; left: string[] }[];
}

/** How many recent runs are searched for the execution's (an execution has one per platform). */
const RUNS_SEARCHED = 1000;

/** Tear down and fail the active runs of an execution that ended `status`. */
export async function cleanUpExecution(deps: CleanupDependencies, execution: { executionArn: string; status: string; error?: string | null; cause?: string | null }): Promise<CleanupOutcome> {
  const outcome: CleanupOutcome = { executionArn: execution.executionArn, status: execution.status, cleaned: [] };
  if (!(CLEANUP_STATUSES as readonly string[]).includes(execution.status)) return outcome;
  const runs = (await deps.store.listRuns({ limit: RUNS_SEARCHED })).filter((run) => run.execution_id === execution.executionArn && !FINAL_RUN_STATUSES.includes(run.status));
  for (const run of runs) {
    const left: string[] = [];
    const input = branchInputOf(run);
    const parts: [string, (() => Promise<void>) | undefined][] = [
      ['client', deps.clients[run.platform] && (() => (deps.clients[run.platform] as ClientDriver).teardown(input))],
      ['functions', deps.provisioners[run.platform] && (() => (deps.provisioners[run.platform] as FunctionProvisioner).teardown(input))],
    ];
    for (const [what, teardown] of parts) {
      if (!teardown) {
        left.push(`${what}: no ${what === 'client' ? 'client driver' : 'provisioner'} for ${run.platform} here`);
        continue;
      }
      try {
        await teardown();
      } catch (error) {
        left.push(`${what}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    let collected = '';
    if (deps.collectPartialResults) {
      try {
        await deps.collectPartialResults(run);
      } catch (error) {
        collected = `; its partial results could not be stored: ${error instanceof Error ? error.message : String(error)}`;
      }
    }
    const why = [execution.error, execution.cause].filter(Boolean).join(': ');
    const reason = `execution ${execution.status.toLowerCase().replace('_', ' ')} while ${run.status}${why ? ` (${why})` : ''}; ${left.length ? `not removed: ${left.join('; ')}` : 'its resources were removed'}${collected}`;
    await deps.store.setRunStatus(run.id, 'failed', reason);
    await deps.callbacks.revoke(run.id);
    outcome.cleaned.push({ runId: run.id, platform: run.platform, left });
  }
  return outcome;
}

/** What Teardown needs of a run, rebuilt from its row (the branch's state is gone with the execution). */
function branchInputOf(run: RunRow): BranchInput {
  const options = run.manifest.platform_options;
  return {
    run: { runId: run.id, platform: run.platform },
    experiment: run.experiment,
    params: run.params,
    quick: run.manifest.quick === true,
    platformOptions: options && typeof options === 'object' ? (options as Record<string, unknown>) : {},
  };
}
