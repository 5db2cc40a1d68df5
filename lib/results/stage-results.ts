/**
 * Finding a deployed stage's results database: one `DescribeStacks` of the stage's results stack
 * (`FaasBenchmarker-<stage>-Results`, lib/config/stack-names.ts) and its outputs `ClusterArn`,
 * `SecretArn` and `DatabaseName` (lib/stacks/results-stack.ts), which are exactly what the RDS
 * Data API needs. The caller makes the CloudFormation client (region and endpoint are the edge's
 * business); failures are named (deployed-errors.ts).
 */
import { type CloudFormationClient, DescribeStacksCommand, type Stack } from '@aws-sdk/client-cloudformation';
import { stageStackNames } from '../config/stack-names';
import { mapAwsSetupError, ResultsStackNotFoundError, ResultsStackOutputsMissingError } from './deployed-errors';
import type { DataApiTarget } from './results-location';

/** The outputs of the results stack that name the Data API target. */
export const RESULTS_STACK_OUTPUTS = { clusterArn: 'ClusterArn', secretArn: 'SecretArn', database: 'DatabaseName' } as const;

export interface StageResults extends DataApiTarget {
  readonly stackName: string;
  /** The region the stack was found in (the client's). */
  readonly region: string;
}

/** Read the Data API target of `stage` from its results stack's outputs. */
export async function findStageResults(client: CloudFormationClient, stage: string): Promise<StageResults> {
  const stackName = stageStackNames(stage).results;
  const doing = `reading the outputs of stack ${stackName}`;
  const region = await client.config.region().catch((error: unknown) => {
    throw mapAwsSetupError(error, doing);
  });
  let stack: Stack | undefined;
  try {
    stack = (await client.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0];
  } catch (error) {
    if (error instanceof Error && error.name === 'ValidationError' && /does not exist/.test(error.message)) throw new ResultsStackNotFoundError(stackName, region);
    throw mapAwsSetupError(error, doing);
  }
  if (!stack) throw new ResultsStackNotFoundError(stackName, region);
  const outputs = new Map((stack.Outputs ?? []).map((output) => [output.OutputKey, output.OutputValue]));
  const values = Object.fromEntries(Object.entries(RESULTS_STACK_OUTPUTS).map(([field, key]) => [field, outputs.get(key) ?? ''])) as Record<keyof DataApiTarget, string>;
  const missing = Object.entries(RESULTS_STACK_OUTPUTS)
    .filter(([field]) => !values[field as keyof DataApiTarget])
    .map(([, key]) => key);
  if (missing.length) throw new ResultsStackOutputsMissingError(stackName, missing, stack.StackStatus ?? 'unknown status');
  return { stackName, region, ...values };
}
