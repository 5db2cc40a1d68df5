/**
 * `fb logs`: the real CLI on a temp project (a seeded local store and agent log files written as the
 * local agent driver and a suite leave them), and the `--stage` path in process against mocked
 * CloudFormation, CloudWatch Logs and S3 clients.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetObjectCommand, NoSuchKey, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { localAgentLogFile } from '../../lib/agent-logs/names';
import { openResultsStore } from '../../lib/results/open-store';
import type { RunRow } from '../../lib/results/types';
import { runFb } from '../../test-support/cli';
import { deployedRunLogs, type RunLogs } from './logs';

const cwd = mkdtempSync(join(tmpdir(), 'fb-logs-'));
const runsDir = join(cwd, '.fb', 'runs');
const RUN = 'a1e09018-599d-46dc-8ab3-40dab03d1570';
const SUITE_RUN = 'b7c4d2e1-0000-4000-8000-000000000002';
const NO_AGENT_RUN = 'c3f5a6b7-0000-4000-8000-000000000003';

beforeAll(async () => {
  const store = await openResultsStore({ dataDir: join(cwd, '.fb', 'pglite') });
  try {
    for (const id of [RUN, SUITE_RUN, NO_AGENT_RUN]) {
      await store.createRun({ id, experiment: 'linear-invocation', platform: 'local', client_platform: 'local', params: {}, manifest: {} });
      await store.setRunStatus(id, 'provisioning');
    }
    await store.setRunStatus(RUN, 'running');
    await store.setRunStatus(RUN, 'completed');
    await store.setRunStatus(NO_AGENT_RUN, 'failed', 'ProvisionFunctions: the platform did not start');
  } finally {
    await store.close();
  }
  mkdirSync(runsDir, { recursive: true });
  writeFileSync(localAgentLogFile(runsDir, RUN), '2026-03-01T10:00:01.000Z fb agent started: pid 4242\n2026-03-01T10:00:02.000Z stdout step 1: cold after 300 s\n2026-03-01T10:00:03.000Z stderr heartbeat failed: timeout\n');
  const jobDir = join(runsDir, 'suite-20260301T100000', '02-linear-invocation');
  mkdirSync(jobDir, { recursive: true });
  writeFileSync(localAgentLogFile(jobDir, SUITE_RUN), '2026-03-01T11:00:00.000Z stdout suite agent line\n');
}, 60_000);
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

describe('fb logs (local, the real CLI)', () => {
  it("prints a run's state events and its agent lines, by id prefix; finds a suite run's log; says so in one line when there is none", async () => {
    // Three fb processes at once share the embedded store (one hosts it), as any fb processes do.
    const [shown, suite, none] = await Promise.all([runFb(cwd, ['logs', RUN.slice(0, 8)]), runFb(cwd, ['logs', SUITE_RUN, '--json']), runFb(cwd, ['logs', NO_AGENT_RUN])]);
    expect(shown.code, shown.stderr).toBe(0);
    const lines = shown.stdout.split('\n');
    expect(lines[0]).toBe(`run ${RUN}: linear-invocation on local (client local), completed`);
    expect(lines.filter((line) => /^ {2}\d{4}-.*Z {2}(starting|provisioning|running|completed)$/.test(line)).map((line) => line.trim().split(/\s+/)[1])).toEqual(['starting', 'provisioning', 'running', 'completed']);
    expect(shown.stdout).toContain(`agent log (.fb/runs/${RUN}.agent.log)\n  2026-03-01T10:00:01.000Z fb agent started: pid 4242\n  2026-03-01T10:00:02.000Z stdout step 1: cold after 300 s\n  2026-03-01T10:00:03.000Z stderr heartbeat failed: timeout\n`);

    expect(suite.code, suite.stderr).toBe(0);
    const json = JSON.parse(suite.stdout) as RunLogs;
    expect(json.agentLog).toEqual({ source: `.fb/runs/suite-20260301T100000/02-linear-invocation/${SUITE_RUN}.agent.log`, lines: ['2026-03-01T11:00:00.000Z stdout suite agent line'] });
    expect(json.events.map((event) => event.status)).toEqual(['starting', 'provisioning']);

    expect(none.code, none.stderr).toBe(0);
    expect(none.stdout).toContain('  ProvisionFunctions: the platform did not start');
    expect(none.stdout.trimEnd().split('\n').at(-1)).toBe(`no agent log for run ${NO_AGENT_RUN} on this machine (its agent never started here, or it ran in the cloud: add --stage <name>)`);
  }, 60_000);
});

const cloudFormation = mockClient(CloudFormationClient);
const logsMock = mockClient(CloudWatchLogsClient);
const s3Mock = mockClient(S3Client);
afterEach(() => {
  cloudFormation.reset();
  logsMock.reset();
  s3Mock.reset();
});
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-a-secret' };
const clients = () => ({
  cloudFormation: new CloudFormationClient({ region: 'eu-west-1', credentials }),
  logs: new CloudWatchLogsClient({ region: 'eu-west-1', credentials }),
  s3: new S3Client({ region: 'eu-west-1', credentials }),
});
const deployedRun = (client_platform: string): RunRow =>
  ({
    id: RUN,
    experiment: 'coldstart-identifier',
    platform: client_platform === 'aws-ec2' ? 'azure-functions' : 'aws-lambda',
    client_platform,
    status: 'completed',
    status_history: [{ status: 'completed', at: '2026-03-01T10:30:00.000Z' }],
    started_at: '2026-03-01T10:00:00.000Z',
    ended_at: '2026-03-01T10:30:00.000Z',
  }) as RunRow;
const stacks = (controlPlaneOutputs: Record<string, string>) => {
  cloudFormation.on(DescribeStacksCommand, { StackName: 'FaasBenchmarker-x-ControlPlane' }).resolves({
    Stacks: [{ StackName: 'FaasBenchmarker-x-ControlPlane', StackStatus: 'UPDATE_COMPLETE', CreationTime: new Date(), Outputs: Object.entries(controlPlaneOutputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })) }],
  });
  cloudFormation.on(DescribeStacksCommand, { StackName: 'FaasBenchmarker-x-Results' }).resolves({
    Stacks: [{ StackName: 'FaasBenchmarker-x-Results', StackStatus: 'UPDATE_COMPLETE', CreationTime: new Date(), Outputs: [{ OutputKey: 'ResultsBucketName', OutputValue: 'fb-results' }] }],
  });
};

// Not concurrent: the SDK mocks are shared by the two tests.
describe('fb logs --stage (mocked AWS clients)', () => {
  it("finds the run's SSM commands in the stage's agent log group by its id and prints their stdout and stderr in time order", async () => {
    stacks({ AgentLogGroupName: '/faas-benchmarker/x/agent' });
    const start = 'cmd-start/i-0123456789abcdef0/';
    const stop = 'cmd-stop/i-0123456789abcdef0/';
    const t0 = Date.parse('2026-03-01T10:00:05.000Z');
    logsMock.on(FilterLogEventsCommand).callsFake((input: { filterPattern?: string; logStreamNamePrefix?: string; nextToken?: string }) => {
      if (input.filterPattern === `"${RUN}"`) {
        return { events: [{ logStreamName: `${start}aws-runShellScript/stdout`, timestamp: t0, message: `faas-benchmarker agent started: run ${RUN} pid 77` }, { logStreamName: `${stop}aws-runShellScript/stdout`, timestamp: t0 + 60_000, message: `faas-benchmarker agent log: run ${RUN}` }] };
      }
      if (input.logStreamNamePrefix === start) return { events: [{ logStreamName: `${start}aws-runShellScript/stdout`, timestamp: t0, message: `faas-benchmarker agent started: run ${RUN} pid 77\n` }] };
      // The stop command's output comes in two pages.
      if (input.logStreamNamePrefix === stop && !input.nextToken) return { events: [{ logStreamName: `${stop}aws-runShellScript/stdout`, timestamp: t0 + 60_000, message: `faas-benchmarker agent log: run ${RUN}\nprobing function1` }], nextToken: 'page-2' };
      if (input.logStreamNamePrefix === stop) return { events: [{ logStreamName: `${stop}aws-runShellScript/stderr`, timestamp: t0 + 60_001, message: 'heartbeat failed: timeout' }] };
      return { events: [] };
    });
    const logs = await deployedRunLogs(deployedRun('aws-ec2'), 'x', clients());
    expect(logs.agentLog).toEqual({
      source: 'CloudWatch Logs /faas-benchmarker/x/agent',
      lines: [
        `2026-03-01T10:00:05.000Z stdout faas-benchmarker agent started: run ${RUN} pid 77`,
        `2026-03-01T10:01:05.000Z stdout faas-benchmarker agent log: run ${RUN}`,
        '2026-03-01T10:01:05.000Z stdout probing function1',
        '2026-03-01T10:01:05.001Z stderr heartbeat failed: timeout',
      ],
    });
    const search = logsMock.commandCalls(FilterLogEventsCommand)[0]?.args[0].input;
    // Searched around the run only (an hour either side), in the stage's group.
    expect(search).toMatchObject({ logGroupName: '/faas-benchmarker/x/agent', startTime: Date.parse('2026-03-01T09:00:00.000Z'), endTime: Date.parse('2026-03-01T11:30:00.000Z') });
    expect(s3Mock.commandCalls(GetObjectCommand)).toHaveLength(0);
  });

  it("reads an Azure VM client's Run Command output from the results bucket, and says where it looked when there is none", async () => {
    stacks({ AgentLogGroupName: '/faas-benchmarker/x/agent' });
    logsMock.on(FilterLogEventsCommand).resolves({ events: [] });
    s3Mock.on(GetObjectCommand, { Bucket: 'fb-results', Key: `agent-logs/${RUN}/azure-run-command.log` }).resolvesOnce({ Body: { transformToString: async () => 'faas-benchmarker agent log: run x\nprobing function1\n' } as never });
    const found = await deployedRunLogs(deployedRun('azure-vm'), 'x', clients());
    expect(found.agentLog).toEqual({ source: `s3://fb-results/agent-logs/${RUN}/azure-run-command.log`, lines: ['faas-benchmarker agent log: run x', 'probing function1'] });

    s3Mock.on(GetObjectCommand).rejects(new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} }));
    const missing = await deployedRunLogs(deployedRun('azure-vm'), 'x', clients());
    expect(missing.agentLog).toBeNull();
    expect(missing.missing).toBe(`no agent log for run ${RUN} in stage x (looked in log group /faas-benchmarker/x/agent and s3://fb-results/agent-logs/${RUN}/azure-run-command.log); its agent may never have started`);
  });
});
