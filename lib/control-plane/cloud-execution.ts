import { DescribeExecutionCommand, type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RunInput } from './run-input';

export class NoDeploymentError extends Error {
  override name = 'NoDeploymentError';
}

export class ExecutionStartError extends Error {
  override name = 'ExecutionStartError';
}

/** Where the deployed control plane is: the RunExperiment state machine's ARN, or a one-line error. */
export function deployedStateMachineArn(env: NodeJS.ProcessEnv, platform: string): string {
  const arn = env.FB_STATE_MACHINE_ARN;
  if (!arn) {
    throw new NoDeploymentError(
      `no deployment configured for ${platform}: deploy the control plane (npx cdk deploy --all) and set FB_STATE_MACHINE_ARN to its RunExperiment state machine's ARN`,
    );
  }
  if (!/^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[A-Za-z0-9_-]+$/.test(arn)) {
    throw new NoDeploymentError(`FB_STATE_MACHINE_ARN is not a state machine ARN: ${arn}`);
  }
  return arn;
}

/** The region of a state machine ARN (arn:aws:states:<region>:…). */
export function regionOf(stateMachineArn: string): string {
  return stateMachineArn.split(':')[3] ?? '';
}

/**
 * StartExecution of RunExperiment with the run's input. The execution name is unique per call,
 * readable, and within Step Functions' 80-character limit.
 */
export async function startCloudExecution(client: SFNClient, stateMachineArn: string, input: RunInput, now = new Date()): Promise<string> {
  const stamp = now.toISOString().replace(/[-:.TZ]/g, '').slice(0, 14);
  const name = `${input.experiment}-${stamp}-${Math.random().toString(36).slice(2, 8)}`.slice(0, 80);
  try {
    const answer = await client.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }));
    if (!answer.executionArn) throw new ExecutionStartError('StartExecution answered without an execution ARN');
    return answer.executionArn;
  } catch (error) {
    if (error instanceof ExecutionStartError) throw error;
    const named = error as { name?: string; message?: string };
    throw new ExecutionStartError(`StartExecution of ${stateMachineArn} failed: ${named.name ?? 'Error'}: ${named.message ?? String(error)}`, { cause: error });
  }
}

export interface ExecutionOutcome {
  status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  output?: unknown;
  error?: string;
  cause?: string;
}

/**
 * Follow an execution until it ends, reporting each status change. Polls DescribeExecution
 * (the console does the same); bounded by the caller's signal.
 */
export async function followExecution(
  client: SFNClient,
  executionArn: string,
  options: { pollMs?: number; onStatus?: (status: string) => void; signal?: AbortSignal } = {},
): Promise<ExecutionOutcome> {
  let last = '';
  for (;;) {
    const answer = await client.send(new DescribeExecutionCommand({ executionArn }));
    const status = answer.status ?? 'UNKNOWN';
    if (status !== last) {
      options.onStatus?.(status);
      last = status;
    }
    if (status === 'SUCCEEDED') return { status, output: answer.output ? JSON.parse(answer.output) : undefined };
    if (status === 'FAILED' || status === 'TIMED_OUT' || status === 'ABORTED') return { status, error: answer.error, cause: answer.cause };
    await sleep(options.pollMs ?? 5000, undefined, { signal: options.signal });
  }
}
