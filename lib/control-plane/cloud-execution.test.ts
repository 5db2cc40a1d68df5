import { DescribeExecutionCommand, ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { deployedStateMachineArn, ExecutionStartError, followExecution, NoDeploymentError, regionOf, startCloudExecution } from './cloud-execution';

const sfn = mockClient(SFNClient);
afterEach(() => sfn.reset());

const ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:RunExperiment';

describe('Cloud executions of RunExperiment', () => {
  it('say in one line that no deployment is configured, or that the ARN is not one', () => {
    expect(() => deployedStateMachineArn({}, 'aws-lambda')).toThrow(NoDeploymentError);
    expect(() => deployedStateMachineArn({}, 'aws-lambda')).toThrow(/no deployment configured for aws-lambda.*FB_STATE_MACHINE_ARN/);
    expect(() => deployedStateMachineArn({ FB_STATE_MACHINE_ARN: 'RunExperiment' }, 'aws-lambda')).toThrow('not a state machine ARN');
    expect(deployedStateMachineArn({ FB_STATE_MACHINE_ARN: ARN }, 'aws-lambda')).toBe(ARN);
    expect(regionOf(ARN)).toBe('eu-west-1');
  });

  it('start with StartExecution carrying the run input as JSON and a readable unique name', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${ARN.replace('stateMachine', 'execution')}:x`, startDate: new Date() });
    const input = { experiment: 'coldstart-identifier', platforms: ['aws-lambda'], params: { maxGapSeconds: 3600 }, quick: false };
    const arn = await startCloudExecution(new SFNClient({ region: 'eu-west-1' }), ARN, input, new Date('2026-11-27T05:20:00.000Z'));
    expect(arn).toContain(':execution:');
    const call = sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input;
    expect(call?.stateMachineArn).toBe(ARN);
    expect(JSON.parse(call?.input ?? '')).toEqual(input);
    expect(call?.name).toMatch(/^coldstart-identifier-20261127052000-[a-z0-9]{1,6}$/);
  });

  it('turn a refused start into one named error', async () => {
    sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));
    await expect(startCloudExecution(new SFNClient({ region: 'eu-west-1' }), ARN, { experiment: 'e', platforms: ['aws-lambda'] })).rejects.toThrow(ExecutionStartError);
  });

  it('follow an execution through its status changes to its outcome', async () => {
    sfn
      .on(DescribeExecutionCommand)
      .resolvesOnce({ status: 'RUNNING', executionArn: 'x', stateMachineArn: ARN, startDate: new Date() })
      .resolvesOnce({ status: 'RUNNING', executionArn: 'x', stateMachineArn: ARN, startDate: new Date() })
      .resolvesOnce({ status: 'FAILED', executionArn: 'x', stateMachineArn: ARN, startDate: new Date(), error: 'RunFailed', cause: 'see the runs row' });
    const statuses: string[] = [];
    const outcome = await followExecution(new SFNClient({ region: 'eu-west-1' }), 'x', { pollMs: 1, onStatus: (status) => statuses.push(status) });
    expect(statuses).toEqual(['RUNNING', 'FAILED']);
    expect(outcome).toEqual({ status: 'FAILED', error: 'RunFailed', cause: 'see the runs row' });
    expect(sfn.commandCalls(DescribeExecutionCommand)).toHaveLength(3);
  });

  it('return the parsed output of a succeeded execution', async () => {
    sfn.on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED', executionArn: 'x', stateMachineArn: ARN, startDate: new Date(), output: '{"released":{"failed":0}}' });
    await expect(followExecution(new SFNClient({ region: 'eu-west-1' }), 'x', { pollMs: 1 })).resolves.toEqual({ status: 'SUCCEEDED', output: { released: { failed: 0 } } });
  });
});
