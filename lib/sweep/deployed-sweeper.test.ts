/**
 * `fb sweep --stage`: the stage's sweeper is found by the control-plane stack's output and invoked
 * with the dry-run flag; its report is validated, and a missing sweeper or a failed one is named.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { stageStackNames } from '../config/stack-names';
import { invokeDeployedSweeper, SweeperFailedError, SweeperNotDeployedError } from './deployed-sweeper';

const cfn = mockClient(CloudFormationClient);
const lambda = mockClient(LambdaClient);
const clients = () => ({ cloudFormation: new CloudFormationClient({ region: 'eu-west-1' }), lambda: new LambdaClient({ region: 'eu-west-1' }) });
const REPORT = { dryRun: true, sweptAt: '2026-12-01T00:00:00.000Z', removed: [{ kind: 'ec2-instance', id: 'i-0abc', runId: 'r1', why: 'expired at 2026-11-30T00:00:00.000Z', expiredAt: '2026-11-30T00:00:00.000Z' }], kept: [], failed: [] };
const payload = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)) as never;

describe('invokeDeployedSweeper', () => {
  beforeEach(() => {
    cfn.reset();
    lambda.reset();
    cfn.on(DescribeStacksCommand, { StackName: stageStackNames('prod').controlPlane }).resolves({ Stacks: [{ StackName: 'x', CreationTime: new Date(), StackStatus: 'UPDATE_COMPLETE', Outputs: [{ OutputKey: 'SweeperFunctionName', OutputValue: 'prod-sweeper' }] }] });
  });

  it('invokes the function the stack output names, passing dryRun, and returns its report', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload(REPORT) });
    expect(await invokeDeployedSweeper(clients(), 'prod', { dryRun: true })).toEqual(REPORT);
    const input = lambda.commandCalls(InvokeCommand)[0]?.args[0].input;
    expect(input?.FunctionName).toBe('prod-sweeper');
    expect(JSON.parse(Buffer.from(input?.Payload as Uint8Array).toString('utf8'))).toEqual({ dryRun: true });
  });

  it('names a stage without a sweeper, a failed sweeper and an answer that is no report', async () => {
    cfn.on(DescribeStacksCommand, { StackName: stageStackNames('bare').controlPlane }).resolves({ Stacks: [{ StackName: 'x', CreationTime: new Date(), StackStatus: 'UPDATE_COMPLETE', Outputs: [] }] });
    await expect(invokeDeployedSweeper(clients(), 'bare', { dryRun: false })).rejects.toThrow(SweeperNotDeployedError);
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, FunctionError: 'Unhandled', Payload: payload({ errorType: 'AccessDenied' }) });
    await expect(invokeDeployedSweeper(clients(), 'prod', { dryRun: false })).rejects.toThrow(/sweeper prod-sweeper failed \(Unhandled\).*AccessDenied/);
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload({ removed: 'everything' }) });
    await expect(invokeDeployedSweeper(clients(), 'prod', { dryRun: false })).rejects.toThrow(SweeperFailedError);
  });
});
