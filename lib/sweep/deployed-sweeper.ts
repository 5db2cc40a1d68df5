/**
 * `fb sweep --stage`: invoke the stage's deployed sweeper Lambda (named by the control-plane
 * stack's `SweeperFunctionName` output) synchronously and return its report, validated.
 */
import { type CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { stageStackNames } from '../config/stack-names';
import type { SweepReport } from './sweep';
import { sweepReportSchema } from './sweep-request';

/** The control-plane stack output naming the sweeper Lambda. */
export const SWEEPER_FUNCTION_OUTPUT = 'SweeperFunctionName';

/** The stage has no sweeper (no control-plane stack, or one deployed without cloud platforms). */
export class SweeperNotDeployedError extends Error {
  override name = 'SweeperNotDeployedError';
}

/** The sweeper Lambda failed, or answered something that is not a sweep report. */
export class SweeperFailedError extends Error {
  override name = 'SweeperFailedError';
}

/** The clients `fb sweep --stage` uses. */
export interface DeployedSweeperClients {
  cloudFormation: CloudFormationClient;
  lambda: LambdaClient;
}

/** Run the stage's sweeper now and return what it did. */
export async function invokeDeployedSweeper(clients: DeployedSweeperClients, stage: string, options: { dryRun: boolean }): Promise<SweepReport> {
  const stackName = stageStackNames(stage).controlPlane;
  let functionName: string | undefined;
  try {
    const stack = (await clients.cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0];
    functionName = stack?.Outputs?.find((output) => output.OutputKey === SWEEPER_FUNCTION_OUTPUT)?.OutputValue || undefined;
  } catch (error) {
    if (!(error instanceof Error && error.name === 'ValidationError' && /does not exist/.test(error.message))) throw error;
  }
  if (!functionName) throw new SweeperNotDeployedError(`stage ${stage} has no sweeper: stack ${stackName} has no ${SWEEPER_FUNCTION_OUTPUT} output (it is deployed with cloud platforms only)`);

  const answer = await clients.lambda.send(new InvokeCommand({ FunctionName: functionName, InvocationType: 'RequestResponse', Payload: Buffer.from(JSON.stringify({ dryRun: options.dryRun })) }));
  const text = answer.Payload ? Buffer.from(answer.Payload).toString('utf8') : '';
  if (answer.FunctionError) throw new SweeperFailedError(`sweeper ${functionName} failed (${answer.FunctionError}): ${text.slice(0, 500)}`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new SweeperFailedError(`sweeper ${functionName} answered no JSON: ${text.slice(0, 200)}`);
  }
  const parsed = sweepReportSchema.safeParse(json);
  if (!parsed.success) throw new SweeperFailedError(`sweeper ${functionName} answered no sweep report: ${parsed.error.issues[0]?.path.join('.') ?? ''} ${parsed.error.issues[0]?.message ?? ''}`);
  return parsed.data;
}
