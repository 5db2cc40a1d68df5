/**
 * Where a deployed stage keeps agent logs, from its stacks' outputs (one `DescribeStacks` each):
 * the control-plane stack's `AgentLogGroupName` (present when cloud platforms are configured) and
 * the results stack's `ResultsBucketName`. A missing stack or output is an absent location, not an
 * error: `fb logs --stage` then says the run has no agent log there.
 */
import { type CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { stageStackNames } from '../config/stack-names';

/** The output of the control-plane stack naming the agent log group. */
export const AGENT_LOG_GROUP_OUTPUT = 'AgentLogGroupName';
/** The output of the results stack naming the results bucket. */
export const RESULTS_BUCKET_OUTPUT = 'ResultsBucketName';

export interface StageAgentLogLocations {
  logGroupName?: string;
  resultsBucket?: string;
}

export async function findStageAgentLogLocations(client: CloudFormationClient, stage: string): Promise<StageAgentLogLocations> {
  const names = stageStackNames(stage);
  const [logGroupName, resultsBucket] = await Promise.all([output(client, names.controlPlane, AGENT_LOG_GROUP_OUTPUT), output(client, names.results, RESULTS_BUCKET_OUTPUT)]);
  return { ...(logGroupName ? { logGroupName } : {}), ...(resultsBucket ? { resultsBucket } : {}) };
}

async function output(client: CloudFormationClient, stackName: string, key: string): Promise<string | undefined> {
  try {
    const stack = (await client.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0];
    return stack?.Outputs?.find((candidate) => candidate.OutputKey === key)?.OutputValue || undefined;
  } catch (error) {
    if (error instanceof Error && error.name === 'ValidationError' && /does not exist/.test(error.message)) return undefined;
    throw error;
  }
}
