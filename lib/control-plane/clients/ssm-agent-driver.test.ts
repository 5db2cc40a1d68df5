/**
 * SsmAgentDriver against mocked SSM and S3 clients (exact commands and parameters), plus the
 * shell it sends, run for real with /bin/sh: the quoting, the 0600 plan file, the detached agent,
 * and the teardown's pkill.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CancelCommandCommand,
  DescribeInstanceInformationCommand,
  InvalidInstanceId,
  ListCommandsCommand,
  SendCommandCommand,
  SSMClient,
  ThrottlingException,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { AgentPlan, BranchInput } from '../steps';
import {
  AgentStartError,
  ClientTeardownError,
  ClientUnavailableError,
  DEFAULT_REMOTE_DIR,
  ProvisionTransientError,
  redact,
  SsmAgentDriver,
  type SsmAgentDriverOptions,
  shellQuote,
  startCommands,
  teardownCommands,
} from './ssm-agent-driver';

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
  params: { maxGapS: 60 },
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

const driver = (options: Partial<SsmAgentDriverOptions> = {}) => new SsmAgentDriver({ ssm, s3, instanceId: INSTANCE, planBucket: 'fb-plans', ...options });

describe('shellQuote', () => {
  const nasty = [
    '',
    'plain',
    "it's",
    "''",
    "'\\''",
    'a b\tc\nd',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${x} is the point
    '$HOME `id` $(id) ${x}',
    '"double" \\ backslash \\\\',
    '; rm -rf / #',
    '&& || | > < * ? [a] ~ !',
    'https://b.s3.amazonaws.com/plans/x.json?X-Amz-Algorithm=AWS4&X-Amz-Signature=ab%2Fcd&x=1',
    '-n',
    'ünïcødé ✓ \u{1F600}',
    '\r\x01\x7f',
  ];

  it.each(nasty.map((value) => [JSON.stringify(value), value]))('round-trips %s through /bin/sh', (_label, value) => {
    const printed = execFileSync('/bin/sh', ['-c', `printf %s ${shellQuote(value)}`], { encoding: 'utf8' });
    expect(printed).toBe(value);
  });

  it('keeps several quoted words apart', () => {
    const words = ["a'b", 'c d', ''];
    const printed = execFileSync('/bin/sh', ['-c', `printf '<%s>' ${words.map(shellQuote).join(' ')}`], { encoding: 'utf8' });
    expect(printed).toBe("<a'b><c d><>");
  });

  it('refuses a NUL byte', () => {
    expect(() => shellQuote('a\0b')).toThrow(TypeError);
  });
});

describe('redact', () => {
  it('blanks secrets and presigned query strings', () => {
    const text = `failed ${SECRET} at 'https://b.s3.amazonaws.com/k?X-Amz-Credential=AK%2F1&X-Amz-Signature=deadbeef' done`;
    const out = redact(text, [SECRET]);
    expect(out).not.toContain(SECRET);
    expect(out).not.toContain('deadbeef');
    expect(out).not.toContain('AK%2F1');
    expect(out).toContain('https://b.s3.amazonaws.com/k?[redacted]');
  });
});

describe('SsmAgentDriver.provision', () => {
  it('returns the instance when SSM has it online, asking with a filter on its id', async () => {
    ssmMock.on(DescribeInstanceInformationCommand).resolves({ InstanceInformationList: [{ InstanceId: INSTANCE, PingStatus: 'Online' }] });
    await expect(driver().provision(branch())).resolves.toEqual({ kind: 'ssm', instanceId: INSTANCE });
    expect(ssmMock.commandCalls(DescribeInstanceInformationCommand)[0]?.args[0].input).toEqual({ Filters: [{ Key: 'InstanceIds', Values: [INSTANCE] }] });
  });

  it('picks the instance with a resolver of the branch input', async () => {
    ssmMock.on(DescribeInstanceInformationCommand).resolves({ InstanceInformationList: [{ InstanceId: 'i-0fedcba9876543210', PingStatus: 'Online' }] });
    const d = driver({ instanceId: (input) => (input.run.platform === 'openfaas' ? 'i-0fedcba9876543210' : INSTANCE) });
    await expect(d.provision(branch())).resolves.toEqual({ kind: 'ssm', instanceId: 'i-0fedcba9876543210' });
  });

  it('refuses an instance that is offline or not managed by SSM', async () => {
    ssmMock.on(DescribeInstanceInformationCommand).resolvesOnce({ InstanceInformationList: [{ InstanceId: INSTANCE, PingStatus: 'ConnectionLost' }] }).resolvesOnce({ InstanceInformationList: [] });
    const offline = driver().provision(branch());
    await expect(offline).rejects.toThrow(ClientUnavailableError);
    await expect(offline).rejects.toThrow(/not online in SSM \(PingStatus ConnectionLost\)/);
    const unmanaged = driver().provision(branch());
    await expect(unmanaged).rejects.toThrow(ClientUnavailableError);
    await expect(unmanaged).rejects.toThrow(/not managed by SSM/);
  });

  it('turns throttling into ProvisionTransientError and a refusal into ClientUnavailableError', async () => {
    ssmMock
      .on(DescribeInstanceInformationCommand)
      .rejectsOnce(new ThrottlingException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 400 }, Message: 'Rate exceeded' }))
      .rejectsOnce(new InvalidInstanceId({ message: 'bad id', $metadata: { httpStatusCode: 400 } }));
    const throttled = await driver()
      .provision(branch())
      .catch((error: Error) => error);
    expect(throttled).toBeInstanceOf(ProvisionTransientError);
    expect((throttled as Error).name).toBe('ProvisionTransientError');
    const refused = await driver()
      .provision(branch())
      .catch((error: Error) => error);
    expect(refused).toBeInstanceOf(ClientUnavailableError);
    expect((refused as Error).name).toBe('ClientUnavailableError');
  });
});

describe('SsmAgentDriver.startAgent', () => {
  it('uploads the plan encrypted, and sends a command carrying only a quoted presigned URL', async () => {
    s3Mock.on(PutObjectCommand).resolves({});
    ssmMock.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-1' } });
    await driver({ commandTimeoutSeconds: 120 }).startAgent(plan);

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
      `nohup sh -c 'cd /opt/faas-benchmarker && node bin/agent.js '\\''${plan0600}'\\''' > '${DEFAULT_REMOTE_DIR}/fb-agent-${RUN_ID}.log' 2>&1 < /dev/null &`,
      `echo 'faas-benchmarker agent started: run ${RUN_ID} pid' "$!"`,
    ]);
    expect(JSON.stringify(send)).not.toContain(SECRET);
    expect(JSON.stringify(send)).not.toContain('cb.example.com');
  });

  it('sends the output to CloudWatch Logs when a log group is given, and honours the prefix and KMS key', async () => {
    s3Mock.on(PutObjectCommand).resolves({});
    ssmMock.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-2' } });
    await driver({ logGroupName: '/fb/agents', planPrefix: 'p/', planKmsKeyId: 'alias/fb', presignExpiresSeconds: 120 }).startAgent(plan);
    const put = s3Mock.commandCalls(PutObjectCommand)[0]?.args[0].input;
    expect(put).toMatchObject({ Key: `p/${RUN_ID}.json`, ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'alias/fb' });
    const send = ssmMock.commandCalls(SendCommandCommand)[0]?.args[0].input;
    expect(send?.CloudWatchOutputConfig).toEqual({ CloudWatchOutputEnabled: true, CloudWatchLogGroupName: '/fb/agents' });
    expect(send?.TimeoutSeconds).toBe(300);
    expect(send?.Parameters?.executionTimeout).toEqual(['300']);
    expect(JSON.stringify(send)).toContain('X-Amz-Expires=120');
  });

  it('reports a failed send as AgentStartError without the secret or the signature', async () => {
    s3Mock.on(PutObjectCommand).resolves({});
    ssmMock.on(SendCommandCommand).callsFake((input: { Parameters?: { commands?: string[] } }) => {
      throw new InvalidInstanceId({ message: `cannot run ${JSON.stringify(input.Parameters?.commands)} (${SECRET})`, $metadata: {} });
    });
    const error = await driver()
      .startAgent(plan)
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
    await expect(driver().startAgent(plan)).rejects.toThrow(AgentStartError);
    expect(ssmMock.commandCalls(SendCommandCommand)).toHaveLength(0);
  });

  it('refuses a run id that is not a safe file name', async () => {
    await expect(driver().startAgent({ ...plan, runId: '../etc/x' })).rejects.toThrow(AgentStartError);
    expect(s3Mock.calls()).toHaveLength(0);
  });
});

describe('SsmAgentDriver.teardown', () => {
  it('cancels the remembered command, kills the agent and deletes the plan', async () => {
    s3Mock.on(PutObjectCommand).resolves({});
    s3Mock.on(DeleteObjectCommand).resolves({});
    ssmMock.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-1' } });
    ssmMock.on(ListCommandsCommand).resolves({ Commands: [{ CommandId: 'cmd-1', Status: 'InProgress', Comment: `faas-benchmarker run ${RUN_ID}` }] });
    ssmMock.on(CancelCommandCommand).resolves({});
    const d = driver();
    await d.startAgent(plan);
    await d.teardown(branch({ kind: 'ssm', instanceId: INSTANCE }));

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
      `pkill -TERM -f 'fb-plan-1a2b3c4d-0000-4000-8000-00000000abcd\\.json'\\''?$' || true`,
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
    await driver().teardown(branch({ kind: 'ssm', instanceId: INSTANCE }));
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
    await driver().teardown(branch({ kind: 'ssm', instanceId: INSTANCE }));
    expect(ssmMock.commandCalls(CancelCommandCommand)).toHaveLength(0);
    expect(ssmMock.commandCalls(SendCommandCommand)).toHaveLength(1);
  });

  it('carries on when a part fails and names every failed part', async () => {
    s3Mock.on(DeleteObjectCommand).resolves({});
    ssmMock.on(ListCommandsCommand).rejects(new ThrottlingException({ message: 'Rate exceeded', $metadata: {}, Message: 'Rate exceeded' }));
    ssmMock.on(SendCommandCommand).rejects(new InvalidInstanceId({ message: 'instance not connected', $metadata: {} }));
    const error = await driver()
      .teardown(branch({ kind: 'ssm', instanceId: INSTANCE }))
      .catch((caught: Error) => caught);
    expect(error).toBeInstanceOf(ClientTeardownError);
    expect((error as Error).name).toBe('ClientTeardownError');
    expect((error as Error).message).toMatch(/cancel: ThrottlingException: Rate exceeded; kill: InvalidInstanceId: instance not connected/);
    expect((error as Error).message).not.toMatch(/plan:/);
    expect(s3Mock.commandCalls(DeleteObjectCommand)).toHaveLength(1);
  });

  it('still deletes the plan when the instance cannot be picked, and reports the S3 failure too', async () => {
    s3Mock.on(DeleteObjectCommand).rejects(new Error('AccessDenied'));
    const d = driver({
      instanceId: () => {
        throw new Error('no client configured');
      },
    });
    const error = await d.teardown(branch()).catch((caught: Error) => caught);
    expect(error).toBeInstanceOf(ClientTeardownError);
    expect((error as Error).message).toMatch(/instance: .*no client configured; plan: Error: AccessDenied/);
    expect(ssmMock.calls()).toHaveLength(0);
    expect(s3Mock.commandCalls(DeleteObjectCommand)).toHaveLength(1);
  });
});

describe('the commands, run by /bin/sh', () => {
  const work = mkdtempSync(join(tmpdir(), 'fb-ssm-driver-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('download the plan 0600 into a private dir, start the agent detached, and teardown kills it', async () => {
    const runId = `e2e-${process.pid}-${Date.now()}`;
    const remoteDir = join(work, "remote dir with 'quote'");
    const bin = join(work, 'bin');
    execFileSync('mkdir', ['-p', bin]);
    // A fake curl: records its URL, then writes the plan source to the -o file.
    const source = join(work, 'plan-source.json');
    writeFileSync(source, JSON.stringify({ ...plan, runId }));
    writeFileSync(
      join(bin, 'curl'),
      `#!/bin/sh\nout=''\nwhile [ $# -gt 1 ]; do if [ "$1" = -o ]; then out=$2; shift; fi; shift; done\nprintf %s "$1" > ${shellQuote(join(work, 'url.txt'))}\ncat ${shellQuote(source)} > "$out"\n`,
    );
    chmodSync(join(bin, 'curl'), 0o755);
    // A fake agent: records its argument, then waits to be killed (or gives up after 30 s).
    const agentJs = join(work, 'agent.js');
    writeFileSync(
      agentJs,
      `require('node:fs').writeFileSync(${JSON.stringify(join(work, 'agent-arg.txt'))}, process.argv[2]); setTimeout(() => process.exit(0), 30_000);`,
    );
    const url = 'https://fb-plans.s3.eu-west-1.amazonaws.com/plans/x.json?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=abc$def&x=`id`';
    const script = startCommands({ runId, planUrl: url, agentCommand: `cd ${shellQuote(work)} && ${shellQuote(process.execPath)} agent.js`, remoteDir }).join('\n');
    const env = { PATH: `${bin}:${process.env.PATH ?? ''}` };
    const started = spawnSync('/bin/sh', ['-c', script], { encoding: 'utf8', env, timeout: 10_000 });
    expect(started.status).toBe(0);
    expect(started.stdout).toMatch(new RegExp(`^faas-benchmarker agent started: run ${runId} pid \\d+\\n$`));
    expect(readFileSync(join(work, 'url.txt'), 'utf8')).toBe(url);

    const planFile = join(remoteDir, `fb-plan-${runId}.json`);
    expect(statSync(planFile).mode & 0o777).toBe(0o600);
    expect(statSync(remoteDir).mode & 0o777).toBe(0o700);
    expect(JSON.parse(readFileSync(planFile, 'utf8')).runId).toBe(runId);
    const argFile = join(work, 'agent-arg.txt');
    for (let i = 0; i < 100 && !existsSync(argFile); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(readFileSync(argFile, 'utf8')).toBe(planFile);
    const running = () => spawnSync('pgrep', ['-f', `fb-plan-${runId}\\.json`], { encoding: 'utf8' }).stdout.trim();
    expect(running()).not.toBe('');

    const stopped = spawnSync('/bin/sh', ['-c', teardownCommands({ runId, remoteDir }).join('\n')], { encoding: 'utf8', env, timeout: 10_000 });
    expect(stopped.status).toBe(0);
    expect(stopped.stdout).toBe(`faas-benchmarker agent stopped: run ${runId}\n`);
    for (let i = 0; i < 100 && running(); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(running()).toBe('');
    expect(existsSync(planFile)).toBe(false);
    // Running it again (the Teardown state retries) is harmless.
    expect(spawnSync('/bin/sh', ['-c', teardownCommands({ runId, remoteDir }).join('\n')], { env }).status).toBe(0);
  });
});

