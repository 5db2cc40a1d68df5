/**
 * SsmAgentDriver against mocked SSM and S3 clients (exact commands and parameters). The shell it
 * sends is run for real in ../client/agent-commands.test.ts.
 */
import { DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CancelCommandCommand,
  GetCommandInvocationCommand,
  InvalidInstanceId,
  InvocationDoesNotExist,
  ListCommandsCommand,
  SendCommandCommand,
  SSMClient,
  ThrottlingException,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentPlan } from '../../agent/plan';
import { DEFAULT_REMOTE_DIR, startCommands, teardownCommands } from '../client/agent-commands';
import { AgentStartError, ClientBootError, ClientTeardownError } from '../errors';
import type { BranchInput } from '../platform';
import { SsmAgentDriver, type SsmAgentDriverOptions } from './ssm-agent-driver';

const ssmMock = mockClient(SSMClient);
const s3Mock = mockClient(S3Client);
afterEach(() => {
  ssmMock.reset();
  s3Mock.reset();
});

const credentials = { accessKeyId: 'AKIAEXAMPLEEXAMPLE00', secretAccessKey: 'example-secret-access-key', sessionToken: 'example-session-token' };
const ssm = new SSMClient({ region: 'eu-west-1', credentials });
const s3 = new S3Client({ region: 'eu-west-1', credentials });

const RUN_ID = '1a2b3c4d-0000-4000-8000-00000000abcd';
const INSTANCE = 'i-0123456789abcdef0';
const SECRET = 'cb-secret-Zx9q7-DO-NOT-LEAK';

const plan: AgentPlan = {
  runId: RUN_ID,
  experiment: 'coldstart-identifier',
  params: { maxGapSeconds: 60 },
  quick: true,
  target: { platform: 'openfaas', gatewayUrl: 'https://gateway.example.com' },
  resultsLocation: 'https://bucket.s3.amazonaws.com/results/x?X-Amz-Signature=abc',
  callback: { url: 'https://cb.example.com/callback', runId: RUN_ID, secret: SECRET },
  heartbeatIntervalMs: 30_000,
};

const branch = (client?: Record<string, unknown>): BranchInput => ({
  run: { runId: RUN_ID, platform: 'openfaas' },
  experiment: 'coldstart-identifier',
  params: {},
  quick: true,
  platformOptions: {},
  ...(client ? { client } : {}),
});
/** The branch once the run's instance is up: its client names the instance (what Ec2ClientMachine.check answers). */
const onInstance = () => branch({ kind: 'ec2', instanceId: INSTANCE, ready: true });

const driver = (options: Partial<SsmAgentDriverOptions> = {}) => new SsmAgentDriver({ ssm, s3, planBucket: 'fb-plans', pollIntervalMs: 1, ...options });

/** What GetCommandInvocation answers once the start command has started the agent. */
const startedInvocation = { Status: 'Success' as const, StandardOutputContent: `faas-benchmarker agent started: run ${RUN_ID} pid 4242\n`, StandardErrorContent: '' };

describe('SsmAgentDriver.startAgent', () => {
  it('uploads the plan encrypted, and sends a command carrying only a quoted presigned URL', async () => {
    s3Mock.on(PutObjectCommand).resolves({});
    ssmMock.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-1' } });
    ssmMock.on(GetCommandInvocationCommand).resolves(startedInvocation);
    await driver({ commandTimeoutSeconds: 120 }).startAgent(plan, onInstance());

    const put = s3Mock.commandCalls(PutObjectCommand)[0]?.args[0].input;
    expect(put).toMatchObject({ Bucket: 'fb-plans', Key: `plans/${RUN_ID}.json`, ContentType: 'application/json', ServerSideEncryption: 'aws:kms' });
    expect(JSON.parse(String(put?.Body))).toEqual(plan);

    const send = ssmMock.commandCalls(SendCommandCommand)[0]?.args[0].input;
    const commands = send?.Parameters?.commands ?? [];
    const curl = commands.find((line) => line.startsWith('curl '));
    const url = /'(https:\/\/[^']+)'$/.exec(curl ?? '')?.[1] ?? '';
    expect(url).toMatch(new RegExp(`^https://fb-plans\\.s3\\.eu-west-1\\.amazonaws\\.com/plans/${RUN_ID}\\.json\\?`));
    expect(url).toContain('X-Amz-Signature=');
    expect(url).toContain('X-Amz-Expires=900');
    expect(send).toEqual({
      DocumentName: 'AWS-RunShellScript',
      InstanceIds: [INSTANCE],
      Parameters: { commands: startCommands({ runId: RUN_ID, planUrl: url, agentCommand: 'cd /opt/faas-benchmarker && node bin/agent.js', remoteDir: DEFAULT_REMOTE_DIR }), executionTimeout: ['120'] },
      TimeoutSeconds: 120,
      Comment: `faas-benchmarker run ${RUN_ID}`,
    });
    const plan0600 = `${DEFAULT_REMOTE_DIR}/fb-plan-${RUN_ID}.json`;
    expect(commands).toEqual([
      'set -eu',
      'umask 077',
      `mkdir -p '${DEFAULT_REMOTE_DIR}'`,
      `chmod 700 '${DEFAULT_REMOTE_DIR}'`,
      `curl -fsS --retry 3 --max-time 60 -o '${plan0600}.part' '${url}'`,
      `chmod 600 '${plan0600}.part'`,
      `mv -f '${plan0600}.part' '${plan0600}'`,
      `systemd-run --unit='fb-agent-${RUN_ID}' --collect --quiet --property=UMask=0077 /bin/sh -c '{ cd /opt/faas-benchmarker && node bin/agent.js '\\''${plan0600}'\\''; } > '\\''${DEFAULT_REMOTE_DIR}/fb-agent-${RUN_ID}.log'\\'' 2>&1 < /dev/null'`,
      'sleep 2',
      `if ! systemctl is-active --quiet 'fb-agent-${RUN_ID}'; then echo 'faas-benchmarker agent exited at start: run ${RUN_ID}; its log:'; tail -c 2000 '${DEFAULT_REMOTE_DIR}/fb-agent-${RUN_ID}.log' 2>/dev/null || true; exit 4; fi`,
      `echo 'faas-benchmarker agent started: run ${RUN_ID} pid' "$(systemctl show --property=MainPID --value 'fb-agent-${RUN_ID}')"`,
    ]);
    // The start command's output was read until it ended.
    expect(ssmMock.commandCalls(GetCommandInvocationCommand)[0]?.args[0].input).toEqual({ CommandId: 'cmd-1', InstanceId: INSTANCE });
    expect(JSON.stringify(send)).not.toContain(SECRET);
    expect(JSON.stringify(send)).not.toContain('cb.example.com');
  });

  it('sends the output to CloudWatch Logs when a log group is given, and honours the prefix and KMS key', async () => {
    s3Mock.on(PutObjectCommand).resolves({});
    ssmMock.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-2' } });
    ssmMock.on(GetCommandInvocationCommand).resolves(startedInvocation);
    await driver({ logGroupName: '/fb/agents', planPrefix: 'p/', planKmsKeyId: 'alias/fb', presignExpiresSeconds: 120 }).startAgent(plan, onInstance());
    const put = s3Mock.commandCalls(PutObjectCommand)[0]?.args[0].input;
    expect(put).toMatchObject({ Key: `p/${RUN_ID}.json`, ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'alias/fb' });
    const send = ssmMock.commandCalls(SendCommandCommand)[0]?.args[0].input;
    expect(send?.CloudWatchOutputConfig).toEqual({ CloudWatchOutputEnabled: true, CloudWatchLogGroupName: '/fb/agents' });
    expect(send?.TimeoutSeconds).toBe(300);
    expect(send?.Parameters?.executionTimeout).toEqual(['300']);
    expect(JSON.stringify(send)).toContain('X-Amz-Expires=120');
  });

  it('reads the start command\'s output until it ends, waiting out an invocation SSM does not know yet', async () => {
    s3Mock.on(PutObjectCommand).resolves({});
    ssmMock.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-3' } });
    ssmMock
      .on(GetCommandInvocationCommand)
      .rejectsOnce(new InvocationDoesNotExist({ message: 'not yet', $metadata: {} }))
      .resolvesOnce({ Status: 'InProgress' })
      .resolvesOnce({ Status: 'InProgress', StandardOutputContent: '' })
      .resolves(startedInvocation);
    await driver().startAgent(plan, onInstance());
    expect(ssmMock.commandCalls(GetCommandInvocationCommand)).toHaveLength(4);
  });

  it('ends the run with ClientBootError carrying the boot script\'s reason when the machine did not boot', async () => {
    s3Mock.on(PutObjectCommand).resolves({});
    ssmMock.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-4' } });
    ssmMock
      .on(GetCommandInvocationCommand)
      .resolvesOnce({ Status: 'InProgress' })
      .resolves({
        Status: 'Failed',
        StatusDetails: 'Failed',
        ResponseCode: 3,
        StandardOutputContent: 'faas-benchmarker client boot failed: node-v22.22.0-linux-x64.tar.gz does not match its checksum in https://nodejs.org/dist/v22.22.0/SHASUMS256.txt\n',
        StandardErrorContent: 'failed to run commands: exit status 3',
      });
    const error = await driver()
      .startAgent(plan, onInstance())
      .catch((caught: Error) => caught);
    expect(error).toBeInstanceOf(ClientBootError);
    expect((error as Error).name).toBe('ClientBootError');
    expect((error as Error).message).toBe(
      `run ${RUN_ID}: the client ${INSTANCE} did not boot: node-v22.22.0-linux-x64.tar.gz does not match its checksum in https://nodejs.org/dist/v22.22.0/SHASUMS256.txt`,
    );
  });

  it('fails with AgentStartError and the agent\'s log when the agent stopped at once, or with the output when the command failed otherwise', async () => {
    s3Mock.on(PutObjectCommand).resolves({});
    ssmMock.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-5' } });
    ssmMock.on(GetCommandInvocationCommand).resolvesOnce({
      Status: 'Failed',
      StandardOutputContent: `faas-benchmarker agent exited at start: run ${RUN_ID}; its log:\nagent: invalid plan /var/tmp/p.json: target: Required\n`,
    });
    const exited = await driver().startAgent(plan, onInstance()).catch((caught: Error) => caught);
    expect(exited).toBeInstanceOf(AgentStartError);
    expect((exited as Error).message).toContain('the agent stopped as soon as it started on i-0123456789abcdef0; its log: agent: invalid plan /var/tmp/p.json: target: Required');

    ssmMock.on(GetCommandInvocationCommand).resolves({
      Status: 'Failed',
      StatusDetails: 'Failed',
      StandardErrorContent: `curl: (22) The requested URL returned error: 403 for https://fb-plans.s3.amazonaws.com/p.json?X-Amz-Signature=abc ${SECRET}`,
    });
    const failed = await driver().startAgent(plan, onInstance()).catch((caught: Error) => caught);
    expect(failed).toBeInstanceOf(AgentStartError);
    expect((failed as Error).message).toMatch(/the start command on i-0123456789abcdef0 ended Failed \(Failed\); its output: curl: \(22\)/);
    expect((failed as Error).message).not.toContain(SECRET);
    expect((failed as Error).message).not.toContain('X-Amz-Signature=abc');
  });

  it('gives up with AgentStartError when the start command has not ended by its deadline', async () => {
    s3Mock.on(PutObjectCommand).resolves({});
    ssmMock.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-6' } });
    ssmMock.on(GetCommandInvocationCommand).resolves({ Status: 'InProgress' });
    const error = await driver({ startWaitMs: 50, pollIntervalMs: 10 })
      .startAgent(plan, onInstance())
      .catch((caught: Error) => caught);
    expect(error).toBeInstanceOf(AgentStartError);
    expect((error as Error).message).toContain('the start command on i-0123456789abcdef0 had not ended after 0 s');
    expect(ssmMock.commandCalls(GetCommandInvocationCommand).length).toBeGreaterThan(1);
  });

  it('reports a failed send as AgentStartError without the secret or the signature', async () => {
    s3Mock.on(PutObjectCommand).resolves({});
    ssmMock.on(SendCommandCommand).callsFake((input: { Parameters?: { commands?: string[] } }) => {
      throw new InvalidInstanceId({ message: `cannot run ${JSON.stringify(input.Parameters?.commands)} (${SECRET})`, $metadata: {} });
    });
    const error = await driver()
      .startAgent(plan, onInstance())
      .catch((caught: Error) => caught);
    expect(error).toBeInstanceOf(AgentStartError);
    expect((error as Error).name).toBe('AgentStartError');
    expect((error as Error).message).toMatch(/could not send the start command to i-0123456789abcdef0/);
    expect((error as Error).message).not.toContain(SECRET);
    expect((error as Error).message).not.toMatch(/X-Amz-Signature=[0-9a-f]/);
    expect((error as Error).message).not.toContain('example-session-token');
  });

  it('reports a failed upload as AgentStartError and sends nothing', async () => {
    s3Mock.on(PutObjectCommand).rejects(new Error('AccessDenied'));
    await expect(driver().startAgent(plan, onInstance())).rejects.toThrow(AgentStartError);
    expect(ssmMock.commandCalls(SendCommandCommand)).toHaveLength(0);
  });

  it('refuses a run id that is not a safe file name', async () => {
    await expect(driver().startAgent({ ...plan, runId: '../etc/x' }, onInstance())).rejects.toThrow(AgentStartError);
    expect(s3Mock.calls()).toHaveLength(0);
  });

  it('refuses a branch whose client names no instance, before uploading the plan', async () => {
    const error = await driver()
      .startAgent(plan, branch())
      .catch((caught: Error) => caught);
    expect(error).toBeInstanceOf(AgentStartError);
    expect((error as Error).message).toContain('no client instance is known');
    expect(s3Mock.calls()).toHaveLength(0);
    expect(ssmMock.calls()).toHaveLength(0);
  });
});

describe('SsmAgentDriver.teardown', () => {
  it('cancels the remembered command, kills the agent and deletes the plan', async () => {
    s3Mock.on(PutObjectCommand).resolves({});
    s3Mock.on(DeleteObjectCommand).resolves({});
    ssmMock.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-1' } });
    ssmMock.on(ListCommandsCommand).resolves({ Commands: [{ CommandId: 'cmd-1', Status: 'InProgress', Comment: `faas-benchmarker run ${RUN_ID}` }] });
    ssmMock.on(CancelCommandCommand).resolves({});
    ssmMock.on(GetCommandInvocationCommand).resolves(startedInvocation);
    const d = driver();
    await d.startAgent(plan, onInstance());
    await d.teardown(onInstance());

    expect(ssmMock.commandCalls(ListCommandsCommand)[0]?.args[0].input).toEqual({ CommandId: 'cmd-1' });
    expect(ssmMock.commandCalls(CancelCommandCommand)[0]?.args[0].input).toEqual({ CommandId: 'cmd-1', InstanceIds: [INSTANCE] });
    const kill = ssmMock.commandCalls(SendCommandCommand)[1]?.args[0].input;
    expect(kill).toEqual({
      DocumentName: 'AWS-RunShellScript',
      InstanceIds: [INSTANCE],
      Parameters: { commands: teardownCommands({ runId: RUN_ID, remoteDir: DEFAULT_REMOTE_DIR }), executionTimeout: ['60'] },
      TimeoutSeconds: 60,
      Comment: `faas-benchmarker teardown ${RUN_ID}`,
    });
    expect(kill?.Parameters?.commands).toEqual([
      `systemctl stop 'fb-agent-${RUN_ID}' 2>/dev/null || true`,
      `pkill -TERM -f 'fb-plan-1a2b3c4d-0000-4000-8000-00000000abcd\\.json'\\''?$' || true`,
      `echo 'faas-benchmarker agent log: run ${RUN_ID}'`,
      `tail -c 1000000 '${DEFAULT_REMOTE_DIR}/fb-agent-${RUN_ID}.log' 2>/dev/null || true`,
      `rm -f '${DEFAULT_REMOTE_DIR}/fb-plan-${RUN_ID}.json' '${DEFAULT_REMOTE_DIR}/fb-plan-${RUN_ID}.json.part'`,
      `echo 'faas-benchmarker agent stopped: run ${RUN_ID}'`,
    ]);
    expect(s3Mock.commandCalls(DeleteObjectCommand)[0]?.args[0].input).toEqual({ Bucket: 'fb-plans', Key: `plans/${RUN_ID}.json` });
  });

  it('finds the run command by its comment in a fresh process, and cancels only a pending one', async () => {
    s3Mock.on(DeleteObjectCommand).resolves({});
    ssmMock.on(SendCommandCommand).resolves({ Command: { CommandId: 'kill-1' } });
    ssmMock
      .on(ListCommandsCommand)
      .resolvesOnce({
        Commands: [
          { CommandId: 'other', Status: 'InProgress', Comment: 'faas-benchmarker run another-run' },
          { CommandId: 'old-teardown', Status: 'Pending', Comment: `faas-benchmarker teardown ${RUN_ID}` },
        ],
        NextToken: 'page-2',
      })
      .resolvesOnce({ Commands: [{ CommandId: 'cmd-9', Status: 'Pending', Comment: `faas-benchmarker run ${RUN_ID}` }] });
    ssmMock.on(CancelCommandCommand).resolves({});
    await driver().teardown(onInstance());
    const lists = ssmMock.commandCalls(ListCommandsCommand).map((call) => call.args[0].input);
    expect(lists).toEqual([
      { InstanceId: INSTANCE, Filters: [{ key: 'DocumentName', value: 'AWS-RunShellScript' }], NextToken: undefined },
      { InstanceId: INSTANCE, Filters: [{ key: 'DocumentName', value: 'AWS-RunShellScript' }], NextToken: 'page-2' },
    ]);
    expect(ssmMock.commandCalls(CancelCommandCommand).map((call) => call.args[0].input)).toEqual([{ CommandId: 'cmd-9', InstanceIds: [INSTANCE] }]);
  });

  it('does not cancel a command that already finished', async () => {
    s3Mock.on(DeleteObjectCommand).resolves({});
    ssmMock.on(SendCommandCommand).resolves({ Command: { CommandId: 'kill-1' } });
    ssmMock.on(ListCommandsCommand).resolves({ Commands: [{ CommandId: 'cmd-9', Status: 'Success', Comment: `faas-benchmarker run ${RUN_ID}` }] });
    await driver().teardown(onInstance());
    expect(ssmMock.commandCalls(CancelCommandCommand)).toHaveLength(0);
    expect(ssmMock.commandCalls(SendCommandCommand)).toHaveLength(1);
  });

  it('carries on when a part fails and names every failed part', async () => {
    s3Mock.on(DeleteObjectCommand).resolves({});
    ssmMock.on(ListCommandsCommand).rejects(new ThrottlingException({ message: 'Rate exceeded', $metadata: {}, Message: 'Rate exceeded' }));
    ssmMock.on(SendCommandCommand).rejects(new InvalidInstanceId({ message: 'instance not connected', $metadata: {} }));
    const error = await driver()
      .teardown(onInstance())
      .catch((caught: Error) => caught);
    expect(error).toBeInstanceOf(ClientTeardownError);
    expect((error as Error).name).toBe('ClientTeardownError');
    expect((error as Error).message).toMatch(/cancel: ThrottlingException: Rate exceeded; kill: InvalidInstanceId: instance not connected/);
    expect((error as Error).message).not.toMatch(/plan:/);
    expect(s3Mock.commandCalls(DeleteObjectCommand)).toHaveLength(1);
  });

  it('still deletes the plan when the branch names no instance, and reports the S3 failure too', async () => {
    s3Mock.on(DeleteObjectCommand).rejects(new Error('AccessDenied'));
    const error = await driver().teardown(branch()).catch((caught: Error) => caught);
    expect(error).toBeInstanceOf(ClientTeardownError);
    expect((error as Error).message).toMatch(/instance: no client instance is known .*; plan: Error: AccessDenied/);
    expect(ssmMock.calls()).toHaveLength(0);
    expect(s3Mock.commandCalls(DeleteObjectCommand)).toHaveLength(1);
  });
});
