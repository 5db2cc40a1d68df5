/**
 * `fb run --all --platform aws-lambda` against a mocked Step Functions: one StartExecution per
 * experiment with the run's input (the client size included), each followed to its end; the
 * closing table says which completed; an interrupt stops the following, never the executions.
 */
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { runSuite, type SuiteIo } from './run-all';

const sfn = mockClient(SFNClient);
const STATE_MACHINE = 'arn:aws:states:eu-west-1:123456789012:stateMachine:RunExperiment';
const executionOf = (experiment: string) => `arn:aws:states:eu-west-1:123456789012:execution:RunExperiment:${experiment}`;

afterEach(() => {
  sfn.reset();
});

function captured(): SuiteIo['stdout'] & { text: () => string } {
  let text = '';
  return {
    write: (chunk: string) => {
      text += chunk;
      return true;
    },
    text: () => text,
  };
}

const io = (overrides: Partial<SuiteIo> = {}) => ({
  env: { FB_STATE_MACHINE_ARN: STATE_MACHINE },
  cwd: '/nonexistent',
  ...overrides,
  stdout: captured(),
  stderr: captured(),
});

describe('fb run --all on a cloud platform (runSuite)', () => {
  it('starts one execution per experiment, at once, with its input, and closes with how each ended', async () => {
    sfn.on(StartExecutionCommand).callsFake((input: { input: string }) => ({ executionArn: executionOf(JSON.parse(input.input).experiment) }));
    sfn.on(DescribeExecutionCommand, { executionArn: executionOf('linear-invocation') }).resolves({ status: 'SUCCEEDED', output: JSON.stringify({ outcomes: [{ runId: 'aaaaaaaa-0000-4000-8000-000000000000', status: 'completed' }] }) });
    sfn.on(DescribeExecutionCommand, { executionArn: executionOf('concurrency-benchmarking') }).resolves({ status: 'FAILED', error: 'RunFailed', cause: 'At least one platform’s run failed' });
    const streams = io();
    const { outcomes, exitCode } = await runSuite(
      {
        jobs: [{ experiment: 'linear-invocation' }, { experiment: 'concurrency-benchmarking' }],
        platform: 'aws-lambda',
        quick: false,
        platformOptions: { local: {}, client: { clientVmSize: 'Standard_D4_v3' } },
      },
      streams,
    );

    expect(exitCode).toBe(1);
    const inputs = sfn.commandCalls(StartExecutionCommand).map((call) => ({ stateMachineArn: call.args[0].input.stateMachineArn, input: JSON.parse(call.args[0].input.input ?? '{}') }));
    expect(inputs).toEqual([
      { stateMachineArn: STATE_MACHINE, input: { experiment: 'linear-invocation', platforms: ['aws-lambda'], params: {}, quick: false, platformOptions: { clientVmSize: 'Standard_D4_v3' } } },
      { stateMachineArn: STATE_MACHINE, input: { experiment: 'concurrency-benchmarking', platforms: ['aws-lambda'], params: {}, quick: false, platformOptions: { clientVmSize: 'Standard_D4_v3' } } },
    ]);
    expect(outcomes).toMatchObject([
      { experiment: 'linear-invocation', status: 'completed', runId: 'aaaaaaaa-0000-4000-8000-000000000000', resultNote: "in the deployment's results database" },
      { experiment: 'concurrency-benchmarking', status: 'failed', reason: 'failed: RunFailed — At least one platform’s run failed' },
    ]);
    expect(streams.stderr.text()).toContain(`at most 2 at a time; one execution of ${STATE_MACHINE} each`);
    expect(streams.stderr.text()).toContain(`linear-invocation: execution ${executionOf('linear-invocation')}`);
    expect(streams.stdout.text()).toMatch(/linear-invocation\s+completed\s+aaaaaaaa\s+\S+\s+-\s+in the deployment's results database/);
  });

  it('on interrupt stops following, never stopping an execution (its Teardown must run), and names each', async () => {
    sfn.on(StartExecutionCommand).callsFake((input: { input: string }) => ({ executionArn: executionOf(JSON.parse(input.input).experiment) }));
    sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });
    const controller = new AbortController();
    const streams = io({ signal: controller.signal });
    const suite = runSuite({ jobs: [{ experiment: 'linear-invocation' }], platform: 'azure-functions', quick: true, platformOptions: { local: {}, client: {} } }, streams);
    while (sfn.commandCalls(DescribeExecutionCommand).length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    controller.abort();
    const { outcomes, exitCode } = await suite;
    expect(exitCode).toBe(1);
    expect(outcomes[0]).toMatchObject({ status: 'failed', reason: `no longer followed (interrupted); execution ${executionOf('linear-invocation')} goes on and tears down after itself` });
    expect(sfn.commandCalls(StopExecutionCommand)).toHaveLength(0);
  });

  it('refuses the local platform’s settings and an unknown parameter before starting anything', async () => {
    await expect(runSuite({ jobs: [{ experiment: 'linear-invocation' }], platform: 'aws-lambda', quick: false, platformOptions: { local: { maxInstances: 2 }, client: {} } }, io())).rejects.toThrow(
      'only the client-size options',
    );
    await expect(runSuite({ jobs: [{ experiment: 'linear-invocation', params: { calls: 3 } }], platform: 'aws-lambda', quick: false, platformOptions: { local: {}, client: {} } }, io())).rejects.toThrow(
      'has no parameter calls',
    );
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });
});
