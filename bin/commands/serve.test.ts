/**
 * `fb serve` as its users drive it: one real `fb serve --port 0` process, followed by the real AWS
 * CLI v2 (/usr/bin/aws), @aws-sdk/client-sfn with a custom endpoint, and `fb run --endpoint`.
 * The flows use different experiments (one run per experiment and platform at a time), so they
 * run side by side against the one server.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, type HistoryEvent, ListExecutionsCommand, ListStateMachinesCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { followExecution } from '../../lib/control-plane/cloud-execution';
import { FB, fbEnv, runFb } from '../../test-support/cli';
import { isAlive } from '../../test-support/platform';

const AWS_CLI = '/usr/bin/aws';
const STATE_MACHINE_ARN = 'arn:aws:states:local:000000000000:stateMachine:RunExperiment';
const EXECUTION_PREFIX = 'arn:aws:states:local:000000000000:execution:RunExperiment:';
/** The Task states of a run on one platform that succeeds, in order (readiness checks may repeat). */
const TASKS_IN_ORDER = ['ValidateInput', 'AcquireLock', 'ProvisionFunctions', 'CheckFunctionsReady', 'ProvisionClient', 'CheckClientReady', 'RunAgent', 'CollectResults', 'Teardown', 'CheckTeardown', 'FinishRun', 'ReleaseLock'];

/** A short rate for the local entry: it fires when fb serve starts, then every 15 s. */
const SCHEDULES = [
  { name: 'tiny-coldtime', experiment: 'coldtime-large-functions', platforms: ['local'], quick: true, params: { rounds: 1, callsPerRound: 1, throughputTimesSeconds: [0] }, expression: 'rate(15 seconds)', enabled: true },
  { name: 'nightly-lambda', experiment: 'coldstart-identifier', platforms: ['aws-lambda'], expression: 'cron(0 2 * * ? *)', enabled: true },
];

let cwd: string;
let serve: ChildProcess;
let served: Promise<number | null>;
let stdout = '';
let endpoint: string;

beforeAll(async () => {
  if (!existsSync(AWS_CLI)) throw new Error(`these tests drive the AWS CLI v2 at ${AWS_CLI}, which is missing: install it (Debian: apt-get install awscli)`);
  cwd = mkdtempSync(join(tmpdir(), 'fb-serve-'));
  writeFileSync(join(cwd, 'aws-config'), '');
  // The same schedule file cdk deploy reads: fb serve runs its local entry and leaves the deployed one to the deployment.
  writeFileSync(join(cwd, 'schedules.json'), JSON.stringify(SCHEDULES));
  serve = spawn(process.execPath, [FB, 'serve', '--port', '0'], { cwd, env: fbEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  served = new Promise((resolve) => serve.on('exit', (code) => resolve(code)));
  serve.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  serve.stderr?.resume();
  const deadline = Date.now() + 90_000;
  const address = /Step Functions API: (http:\/\/127\.0\.0\.1:\d+)/;
  while (!address.test(stdout)) {
    if (Date.now() > deadline || serve.exitCode !== null) throw new Error(`fb serve did not start:\n${stdout}`);
    await sleep(100);
  }
  endpoint = address.exec(stdout)?.[1] ?? '';
}, 120_000);

afterAll(async () => {
  if (serve && serve.exitCode === null) {
    serve.kill('SIGINT');
    await served;
  }
  if (cwd) rmSync(cwd, { recursive: true, force: true });
}, 60_000);

/** The AWS CLI v2 against `fb serve`, with no user configuration or credentials. */
function aws(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = { PATH: process.env.PATH ?? '', HOME: cwd, AWS_CONFIG_FILE: join(cwd, 'aws-config'), AWS_SHARED_CREDENTIALS_FILE: join(cwd, 'aws-config'), AWS_MAX_ATTEMPTS: '1', AWS_PAGER: '' };
  return new Promise((resolve) => {
    const child = spawn(AWS_CLI, ['stepfunctions', ...args, '--endpoint-url', endpoint, '--no-sign-request', '--region', 'local', '--output', 'json'], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.on('exit', (code) => resolve({ code, stdout: out, stderr: err }));
  });
}

async function awsJson<T>(args: string[]): Promise<T> {
  const answer = await aws(args);
  if (answer.code !== 0) throw new Error(`aws ${args.join(' ')} exited ${answer.code}: ${answer.stderr}`);
  return JSON.parse(answer.stdout) as T;
}

interface CliHistoryEvent {
  type: string;
  stateEnteredEventDetails?: { name: string };
  taskSucceededEventDetails?: { output: string };
  lambdaFunctionSucceededEventDetails?: { output: string };
  executionAbortedEventDetails?: { error?: string; cause?: string };
}

/** describe-execution until it is no longer RUNNING. */
async function awaitEnd(executionArn: string, timeoutMs = 120_000): Promise<{ status: string; error?: string; cause?: string }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const described = await awsJson<{ status: string; error?: string; cause?: string }>(['describe-execution', '--execution-arn', executionArn]);
    if (described.status !== 'RUNNING') return described;
    if (Date.now() > deadline) throw new Error(`${executionArn} still RUNNING after ${timeoutMs} ms`);
    await sleep(500);
  }
}

/** The Task states entered, repeats of the same state in a row counted once. */
function tasksEntered(events: readonly { type?: string; stateEnteredEventDetails?: { name?: string } }[]): string[] {
  const names = events.filter((event) => event.type === 'TaskStateEntered').map((event) => event.stateEnteredEventDetails?.name ?? '');
  return names.filter((name, index) => name !== names[index - 1]);
}

function inputFile(name: string, input: unknown): string {
  const file = join(cwd, name);
  writeFileSync(file, JSON.stringify(input));
  return `file://${file}`;
}

describe.concurrent('fb serve', () => {
  it('lists RunExperiment, runs a quick execution to SUCCEEDED with its history, and fb run --endpoint completes one', async () => {
    expect(stdout).toContain(`RunExperiment ${STATE_MACHINE_ARN}`);
    const listed = await awsJson<{ stateMachines: { stateMachineArn: string; name: string; type: string }[] }>(['list-state-machines']);
    expect(listed.stateMachines).toEqual([expect.objectContaining({ stateMachineArn: STATE_MACHINE_ARN, name: 'RunExperiment', type: 'STANDARD' })]);

    const run = inputFile('run.json', { experiment: 'linear-invocation', platforms: ['local'], quick: true, params: { callsPerFunction: 3 } });
    const started = await awsJson<{ executionArn: string }>(['start-execution', '--state-machine-arn', STATE_MACHINE_ARN, '--name', 'cli-quick', '--input', run]);
    expect(started.executionArn).toBe(`${EXECUTION_PREFIX}cli-quick`);
    expect(await awaitEnd(started.executionArn)).toMatchObject({ status: 'SUCCEEDED' });
    const { events } = await awsJson<{ events: CliHistoryEvent[] }>(['get-execution-history', '--execution-arn', started.executionArn]);
    expect(events[0]?.type).toBe('ExecutionStarted');
    expect(events.at(-1)?.type).toBe('ExecutionSucceeded');
    expect(tasksEntered(events)).toEqual(TASKS_IN_ORDER);
    // Every Task is scheduled, started and succeeds before it exits: the function-ARN Tasks as LambdaFunction* events, RunAgent
    // (the lambda:invoke.waitForTaskToken integration) as Task* events, submitted.
    const types = events.map((event) => event.type);
    expect(types.filter((type) => type === 'TaskStateEntered').length).toBe(types.filter((type) => type === 'TaskSucceeded' || type === 'LambdaFunctionSucceeded').length);
    expect(types.filter((type) => type === 'TaskSucceeded')).toHaveLength(1);
    const runAgent = events.findIndex((event) => event.stateEnteredEventDetails?.name === 'RunAgent');
    expect(types.slice(runAgent, runAgent + 6)).toEqual(['TaskStateEntered', 'TaskScheduled', 'TaskStarted', 'TaskSubmitted', 'TaskSucceeded', 'TaskStateExited']);
    expect(types).toEqual(expect.arrayContaining(['MapStateEntered', 'MapStateStarted', 'MapIterationStarted', 'MapIterationSucceeded', 'MapStateSucceeded', 'MapStateExited', 'WaitStateEntered', 'ChoiceStateEntered', 'SucceedStateEntered']));
    expect(types.indexOf('MapIterationSucceeded')).toBeLessThan(types.indexOf('MapStateExited'));

    // Then the same experiment through fb run --endpoint: its outcome and summary print as a local run's.
    const viaFb = await runFb(cwd, ['run', 'linear-invocation', '--quick', '--param', 'callsPerFunction=3', '--endpoint', endpoint]);
    expect(viaFb.stderr).toMatch(/linear-invocation: execution arn:aws:states:local:000000000000:execution:RunExperiment:linear-invocation-/);
    expect(viaFb.stdout).toMatch(/linear-invocation: completed \(run [0-9a-f-]{36}\)/);
    expect(viaFb.stdout).toContain('function1');
    expect(viaFb.code).toBe(0);
  }, 240_000);

  it('stops a running execution: ABORTED with its error and cause, its agent, plan and platform gone, its run failed naming the stop', async () => {
    const long = inputFile('long.json', { experiment: 'basic-weakest-link', platforms: ['local'], quick: true, params: { calls: 1_000_000 } });
    const { executionArn } = await awsJson<{ executionArn: string }>(['start-execution', '--state-machine-arn', STATE_MACHINE_ARN, '--name', 'cli-stopped', '--input', long]);
    // Its run is the one AcquireLock recorded; it is running once its agent is (started with the run's plan file).
    const runsDir = join(cwd, '.fb', 'runs');
    let runId: string | undefined;
    let agentPid: number | undefined;
    const deadline = Date.now() + 120_000;
    while (agentPid === undefined) {
      if (Date.now() > deadline) throw new Error('the agent of the execution to stop did not start within 120 s');
      await sleep(200);
      const history = await awsJson<{ events: CliHistoryEvent[] }>(['get-execution-history', '--execution-arn', executionArn]);
      runId ??= outputOf(history.events, 'AcquireLock')?.runs?.[0]?.runId;
      agentPid = runId ? agentOf(join(runsDir, `${runId}.plan.json`)) : undefined;
    }
    // Stopped once its agent has written calls: they must survive the stop.
    const resultsFile = join(runsDir, `${runId}.results.ndjson`);
    while (!existsSync(resultsFile) || statSync(resultsFile).size === 0) {
      if (Date.now() > deadline) throw new Error('the agent of the execution to stop wrote no call within 120 s');
      await sleep(200);
    }
    const { events: before } = await awsJson<{ events: CliHistoryEvent[] }>(['get-execution-history', '--execution-arn', executionArn]);
    const gatewayUrl = outputOf(before, 'ProvisionFunctions')?.gatewayUrl;
    expect(gatewayUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+/);
    expect((await fetch(`${gatewayUrl}/healthz`)).ok).toBe(true);

    const stopped = await aws(['stop-execution', '--execution-arn', executionArn, '--error', 'TestStop', '--cause', 'stopped by serve.test.ts']);
    expect(stopped.code).toBe(0);
    expect(JSON.parse(stopped.stdout)).toHaveProperty('stopDate');
    expect(await awsJson(['describe-execution', '--execution-arn', executionArn])).toMatchObject({ status: 'ABORTED', error: 'TestStop', cause: 'stopped by serve.test.ts' });
    const { events: after } = await awsJson<{ events: CliHistoryEvent[] }>(['get-execution-history', '--execution-arn', executionArn]);
    expect(after.at(-1)).toMatchObject({ type: 'ExecutionAborted', executionAbortedEventDetails: { error: 'TestStop', cause: 'stopped by serve.test.ts' } });

    // Torn down: the run row failed (set last, after the agent and the platform were stopped), and nothing left.
    const teardownDeadline = Date.now() + 60_000;
    let run: { status: string; reason: string | null; invocation_count: number; manifest: { partial_results?: Record<string, unknown> } } | undefined;
    while (run?.status !== 'failed') {
      if (Date.now() > teardownDeadline) throw new Error(`run ${runId} was not failed within 60 s of the stop: ${JSON.stringify(run)}`);
      await sleep(300);
      run = ((await (await fetch(`${endpoint}/api/runs/${runId}`)).json()) as { run: NonNullable<typeof run> }).run;
    }
    expect(run.reason).toMatch(/execution aborted while running \(TestStop: stopped by serve\.test\.ts\); its resources were removed$/);
    // What the agent wrote before the stop is stored, marked partial: nothing is lost.
    expect(run.manifest.partial_results).toMatchObject({ stopped: true, invocations: expect.any(Number) });
    expect(run.invocation_count).toBe(run.manifest.partial_results?.invocations);
    expect(run.invocation_count).toBeGreaterThan(0);
    expect(isAlive(agentPid)).toBe(false);
    expect(existsSync(join(runsDir, `${runId}.plan.json`))).toBe(false);
    await expect(fetch(`${gatewayUrl}/healthz`)).rejects.toThrow();
    expect(stdout).toMatch(/ABORTED cli-stopped \(TestStop: stopped by serve\.test\.ts\); torn down/);
  }, 240_000);

  it('answers errors as AWS does, as the CLI prints them (exit code 254)', async () => {
    const unknown = await aws(['describe-execution', '--execution-arn', `${EXECUTION_PREFIX}no-such-execution`]);
    expect(unknown.code).toBe(254);
    expect(unknown.stderr).toMatch(/An error occurred \(ExecutionDoesNotExist\) when calling the DescribeExecution operation/);

    const machine = await aws(['start-execution', '--state-machine-arn', `${STATE_MACHINE_ARN}Other`, '--input', '{}']);
    expect(machine.code).toBe(254);
    expect(machine.stderr).toMatch(/\(StateMachineDoesNotExist\) when calling the StartExecution operation/);

    const notJson = await aws(['start-execution', '--state-machine-arn', STATE_MACHINE_ARN, '--input', 'not json']);
    expect(notJson.code).toBe(254);
    expect(notJson.stderr).toMatch(/\(InvalidExecutionInput\) when calling the StartExecution operation/);

    // Input ValidateInput refuses is accepted, and the execution fails there, as in AWS; its name may not be reused with other input.
    const refused = await awsJson<{ executionArn: string }>(['start-execution', '--state-machine-arn', STATE_MACHINE_ARN, '--name', 'cli-invalid', '--input', '{"experiment":"no-such-experiment","platforms":["local"]}']);
    expect(await awaitEnd(refused.executionArn, 30_000)).toMatchObject({ status: 'FAILED', error: 'InvalidInput' });
    const again = await aws(['start-execution', '--state-machine-arn', STATE_MACHINE_ARN, '--name', 'cli-invalid', '--input', '{"experiment":"other"}']);
    expect(again.code).toBe(254);
    expect(again.stderr).toMatch(/\(ExecutionAlreadyExists\) when calling the StartExecution operation/);
  }, 120_000);

  it('serves the same through @aws-sdk/client-sfn with a custom endpoint, errors named as the SDK names them', async () => {
    const client = new SFNClient({ endpoint, region: 'local', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
    try {
      const { stateMachines } = await client.send(new ListStateMachinesCommand({}));
      expect(stateMachines?.map((machine) => machine.stateMachineArn)).toEqual([STATE_MACHINE_ARN]);
      const input = JSON.stringify({ experiment: 'linear-invocation-nested', platforms: ['local'], quick: true, params: { callsPerFunction: 2 } });
      const { executionArn, startDate } = await client.send(new StartExecutionCommand({ stateMachineArn: STATE_MACHINE_ARN, name: 'sdk-quick', input }));
      expect(startDate).toBeInstanceOf(Date);
      // The same name and input while it runs is the same execution (StartExecution is idempotent).
      expect((await client.send(new StartExecutionCommand({ stateMachineArn: STATE_MACHINE_ARN, name: 'sdk-quick', input }))).executionArn).toBe(executionArn);
      const listed = await client.send(new ListExecutionsCommand({ stateMachineArn: STATE_MACHINE_ARN, statusFilter: 'RUNNING' }));
      expect(listed.executions?.map((execution) => execution.name)).toContain('sdk-quick');
      expect(await followExecution(client, executionArn as string, { pollMs: 500 })).toMatchObject({ status: 'SUCCEEDED' });
      const described = await client.send(new DescribeExecutionCommand({ executionArn }));
      expect(described).toMatchObject({ status: 'SUCCEEDED', name: 'sdk-quick', input });
      expect(described.stopDate?.getTime()).toBeGreaterThanOrEqual(described.startDate?.getTime() ?? Number.POSITIVE_INFINITY);

      // The history in pages of 7 is the whole history; reversed it ends where it started.
      const paged: HistoryEvent[] = [];
      let nextToken: string | undefined;
      do {
        const page = await client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 7, nextToken }));
        expect(page.events?.length).toBeLessThanOrEqual(7);
        paged.push(...(page.events ?? []));
        nextToken = page.nextToken;
      } while (nextToken);
      expect(paged.map((event) => event.id)).toEqual(paged.map((_, index) => index + 1));
      expect(tasksEntered(paged)).toEqual(TASKS_IN_ORDER);
      const reversed = await client.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 1000 }));
      expect(reversed.events?.map((event) => event.type)).toEqual(paged.map((event) => event.type).reverse());
      expect(paged[0]?.timestamp).toBeInstanceOf(Date);

      await expect(client.send(new DescribeExecutionCommand({ executionArn: `${EXECUTION_PREFIX}sdk-missing` }))).rejects.toMatchObject({ name: 'ExecutionDoesNotExist' });
      await expect(client.send(new StartExecutionCommand({ stateMachineArn: STATE_MACHINE_ARN, name: 'sdk-quick', input: '{}' }))).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });
      await expect(client.send(new StartExecutionCommand({ stateMachineArn: STATE_MACHINE_ARN, input: '{' }))).rejects.toMatchObject({ name: 'InvalidExecutionInput' });
      await expect(client.send(new DescribeExecutionCommand({ executionArn: 'not-an-arn' }))).rejects.toMatchObject({ name: 'InvalidArn' });
    } finally {
      client.destroy();
    }
  }, 180_000);

  it('runs the local entries of schedules.json: a rate schedule fires at start and again one period later, each an execution named after it', async () => {
    expect(stdout).toContain('schedule nightly-lambda: names a deployed-only platform; cdk deploy schedules it, fb serve does not');
    const client = new SFNClient({ endpoint, region: 'local', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
    try {
      const deadline = Date.now() + 90_000;
      let fired: { name?: string; executionArn?: string; startDate?: Date }[] = [];
      while (fired.length < 2) {
        if (Date.now() > deadline) throw new Error(`the rate schedule fired ${fired.length} times in 90 s:\n${stdout}`);
        await sleep(500);
        fired = ((await client.send(new ListExecutionsCommand({ stateMachineArn: STATE_MACHINE_ARN, maxResults: 100 }))).executions ?? []).filter((execution) => execution.name?.startsWith('tiny-coldtime-'));
      }
      expect(fired.every((execution) => /^tiny-coldtime-\d{8}T\d{6}Z$/.test(execution.name ?? ''))).toBe(true);
      // The first one ran the schedule's input to the end.
      const first = [...fired].sort((a, b) => (a.startDate?.getTime() ?? 0) - (b.startDate?.getTime() ?? 0))[0] as { executionArn: string };
      expect(await followExecution(client, first.executionArn, { pollMs: 500 })).toMatchObject({ status: 'SUCCEEDED' });
      const described = await client.send(new DescribeExecutionCommand({ executionArn: first.executionArn }));
      expect(JSON.parse(described.input ?? '{}')).toEqual({ experiment: 'coldtime-large-functions', platforms: ['local'], params: SCHEDULES[0]?.params, quick: true });
      expect(stdout).toMatch(/schedule tiny-coldtime: started tiny-coldtime-/);
    } finally {
      client.destroy();
    }
  }, 150_000);

  it('refuses a request from a web page (Origin) and unknown operations, and serves the web UI on the same port', async () => {
    const call = (headers: Record<string, string>) =>
      fetch(`${endpoint}/`, { method: 'POST', headers: { 'X-Amz-Target': 'AWSStepFunctions.ListStateMachines', 'Content-Type': 'application/x-amz-json-1.0', ...headers }, body: '{}' });
    expect((await call({})).status).toBe(200);
    expect((await call({ Origin: 'https://example.com' })).status).toBe(403);
    const other = await call({ 'X-Amz-Target': 'AWSStepFunctions.DeleteStateMachine' });
    expect(other.status).toBe(400);
    expect(await other.json()).toMatchObject({ __type: 'UnknownOperationException' });
    expect((await fetch(`${endpoint}/api/runs`)).status).toBe(200);
    expect(await (await fetch(`${endpoint}/`)).text()).toContain('<html');
  });
});

describe('fb serve stopping', () => {
  it('exits 0 on SIGINT with nothing running left', async () => {
    serve.kill('SIGINT');
    expect(await served).toBe(0);
    expect(stdout).toContain('stopped');
  }, 60_000);
});

/** The output of the function-ARN Task state `name`: its first LambdaFunctionSucceeded after it was entered (one platform: no interleaving). */
function outputOf(events: readonly CliHistoryEvent[], name: string): { runs?: { runId: string }[]; gatewayUrl?: string } | undefined {
  const entered = events.findIndex((event) => event.type === 'TaskStateEntered' && event.stateEnteredEventDetails?.name === name);
  const succeeded = entered < 0 ? undefined : events.slice(entered).find((event) => event.type === 'LambdaFunctionSucceeded');
  return succeeded?.lambdaFunctionSucceededEventDetails ? JSON.parse(succeeded.lambdaFunctionSucceededEventDetails.output) : undefined;
}

/** The pid of the agent process running the plan `planFile`, if there is one. */
function agentOf(planFile: string): number | undefined {
  const line = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
    .split('\n')
    .find((entry) => entry.includes(planFile) && /agent\.js/.test(entry));
  return line ? Number(line.trim().split(/\s+/)[0]) : undefined;
}
