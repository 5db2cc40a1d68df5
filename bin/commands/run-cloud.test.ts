/**
 * `fb run <experiment> --platform aws-lambda,azure-functions` against a mocked Step Functions: one
 * StartExecution whose input names both platforms (the state machine's Map runs them in
 * parallel), followed to its end, each platform's run printed from the execution's output.
 */
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { findExperiment } from '../../lib/experiment/registry';
import { runInCloud } from './run-cloud';

const sfn = mockClient(SFNClient);
const STATE_MACHINE = 'arn:aws:states:eu-west-1:123456789012:stateMachine:RunExperiment';
const EXECUTION = 'arn:aws:states:eu-west-1:123456789012:execution:RunExperiment:linear-invocation-1';
const env = { FB_STATE_MACHINE_ARN: STATE_MACHINE };

afterEach(() => {
  sfn.reset();
  vi.restoreAllMocks();
});

function captureConsole(): { stdout: string[]; stderr: string[] } {
  const lines = { stdout: [] as string[], stderr: [] as string[] };
  vi.spyOn(console, 'log').mockImplementation((line: string) => void lines.stdout.push(line));
  vi.spyOn(console, 'error').mockImplementation((line: string) => void lines.stderr.push(line));
  return lines;
}

const options = { platforms: ['aws-lambda', 'azure-functions'] as const, quick: true, paramOverrides: { callsPerFunction: 5 }, platformOptions: { local: {}, client: {} } };

describe('runInCloud with several platforms', () => {
  it('starts one execution with every platform and prints each platform’s run from its output', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION });
    sfn.on(DescribeExecutionCommand).resolvesOnce({ status: 'RUNNING' }).resolves({
      status: 'SUCCEEDED',
      output: JSON.stringify({
        outcomes: [
          { runId: 'aaaaaaaa-0000-4000-8000-000000000000', platform: 'aws-lambda', status: 'completed' },
          { runId: 'bbbbbbbb-0000-4000-8000-000000000000', platform: 'azure-functions', status: 'completed' },
        ],
      }),
    });
    const lines = captureConsole();
    const { failed, executions } = await runInCloud([findExperiment('linear-invocation')], { ...options, platforms: [...options.platforms] }, { env, pollMs: 1 });

    expect(failed).toBe(0);
    const starts = sfn.commandCalls(StartExecutionCommand);
    expect(starts).toHaveLength(1);
    expect(starts[0]?.args[0].input.stateMachineArn).toBe(STATE_MACHINE);
    expect(JSON.parse(starts[0]?.args[0].input.input ?? '{}')).toEqual({ experiment: 'linear-invocation', platforms: ['aws-lambda', 'azure-functions'], params: { callsPerFunction: 5 }, quick: true });
    // The estimate of each platform's run before it starts, then the execution.
    expect(lines.stderr).toContainEqual(expect.stringMatching(/^estimated cost of linear-invocation on aws-lambda: \$/));
    expect(lines.stderr).toContainEqual(expect.stringMatching(/^estimated cost of linear-invocation on azure-functions: \$/));
    expect(lines.stderr).toContain(`linear-invocation on aws-lambda, azure-functions: execution ${EXECUTION}`);
    expect(lines.stdout).toEqual([
      "linear-invocation on aws-lambda: completed (run aaaaaaaa-0000-4000-8000-000000000000; results in the deployment's results database)",
      "linear-invocation on azure-functions: completed (run bbbbbbbb-0000-4000-8000-000000000000; results in the deployment's results database)",
    ]);
    expect(executions[0]?.runs.map((run) => run.platform)).toEqual(['aws-lambda', 'azure-functions']);
  });

  it('counts a failed execution and says why; --json lists each execution with its runs', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION });
    sfn.on(DescribeExecutionCommand).resolves({ status: 'FAILED', error: 'RunFailed', cause: 'At least one platform’s run failed' });
    const lines = captureConsole();
    const { failed } = await runInCloud([findExperiment('linear-invocation')], { ...options, platforms: [...options.platforms], json: true }, { env, pollMs: 1 });
    expect(failed).toBe(1);
    expect(JSON.parse(lines.stdout.join('\n'))).toEqual([{ experiment: 'linear-invocation', executionArn: EXECUTION, status: 'FAILED', runs: [], error: 'RunFailed', cause: 'At least one platform’s run failed' }]);
  });

  it('holds the sum of every platform’s estimate against --budget, and refuses local settings, before any call to AWS', async () => {
    captureConsole();
    await expect(runInCloud([findExperiment('linear-invocation')], { ...options, platforms: [...options.platforms], budgetUsd: 0.000001 }, { env })).rejects.toThrow(
      /linear-invocation on aws-lambda \$[\d.]+, linear-invocation on azure-functions \$[\d.]+\) exceeds --budget/,
    );
    await expect(runInCloud([findExperiment('linear-invocation')], { ...options, platforms: [...options.platforms], gatewayUrl: 'http://gateway.example.org' }, { env })).rejects.toThrow('--gateway-url');
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });
});
