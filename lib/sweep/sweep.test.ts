/**
 * The sweeper against every place per-run resources live — CloudFormation and EC2 through
 * aws-sdk-client-mock, Azure resource groups through the fake ARM endpoint, OpenFaaS through a
 * fake gateway on loopback — each holding a mix of expired, unexpired, malformed-tag, run-tag-only
 * and untagged resources: only the expired ones carrying both tags are deleted, the report names
 * each one removed, kept (with why) or failed, and a dry run deletes nothing.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudFormationClient, DeleteStackCommand, DescribeStacksCommand, type Stack } from '@aws-sdk/client-cloudformation';
import { DescribeInstancesCommand, EC2Client, type Instance, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { ResourceManagementClient } from '@azure/arm-resources';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FAKE_SUBSCRIPTION, type FakeArm, fakeCredential, startFakeArm } from '../../test-support/fake-arm';
import { createFakeArmResources, type FakeArmResources } from '../../test-support/fake-arm-resources';
import { cloudFormationStacks } from './cloudformation-stacks';
import { ec2Instances } from './ec2-instances';
import { openFaasFunctions } from './openfaas-functions';
import { resourceGroups } from './resource-groups';
import { type SweepReport, type SweepSource, sweep } from './sweep';

const NOW = Date.parse('2026-12-01T00:00:00.000Z');
const PAST = '2026-11-30T23:59:59.000Z';
const FUTURE = '2026-12-01T00:00:01.000Z';
const RUN = 'faas-benchmarker:run';
const EXPIRES = 'faas-benchmarker:expires';

/** A resource's tags: the run tag, the expiry tag, or neither, by case. */
const TAGS = {
  expired: { [RUN]: 'run-expired', [EXPIRES]: PAST },
  unexpired: { [RUN]: 'run-unexpired', [EXPIRES]: FUTURE },
  malformed: { [RUN]: 'run-malformed', [EXPIRES]: 'next tuesday' },
  noExpiry: { [RUN]: 'run-no-expiry' },
  untagged: { [EXPIRES]: PAST },
} as const;
type Case = keyof typeof TAGS;
const awsTags = (c: Case) => Object.entries(TAGS[c]).map(([Key, Value]) => ({ Key, Value }));

/** What every source's report must say of its five resources (`id` is made from the case). */
function expectReport(report: SweepReport, idOf: (c: Case) => string, removedNothing = false): void {
  expect(report.failed).toEqual([]);
  expect(report.removed).toEqual([{ kind: expect.any(String), id: idOf('expired'), runId: 'run-expired', why: `expired at ${PAST}`, expiredAt: PAST }]);
  expect(report.kept).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ id: idOf('unexpired'), runId: 'run-unexpired', why: `expires at ${FUTURE}` }),
      expect.objectContaining({ id: idOf('malformed'), runId: 'run-malformed', why: 'malformed expiry tag "next tuesday"' }),
      expect.objectContaining({ id: idOf('noExpiry'), runId: 'run-no-expiry', why: 'no expiry tag' }),
    ]),
  );
  // The untagged one is never even a candidate.
  expect([...report.kept, ...report.removed].map((line) => line.id)).not.toContain(idOf('untagged'));
  expect(report.kept).toHaveLength(3);
  expect(report.dryRun).toBe(removedNothing);
}

describe('sweep — CloudFormation stacks (aws-sdk-client-mock)', () => {
  const cfn = mockClient(CloudFormationClient);
  const idOf = (c: Case) => `arn:aws:cloudformation:eu-west-1:123456789012:stack/fb-${c.toLowerCase()}-lab/1`;
  const stackOf = (c: Case, status = 'CREATE_COMPLETE'): Stack => ({ StackName: `fb-${c}-lab`, StackId: idOf(c), StackStatus: status as Stack['StackStatus'], CreationTime: new Date(NOW), Tags: awsTags(c) });
  const source = () => cloudFormationStacks(new CloudFormationClient({ region: 'eu-west-1' }));
  beforeEach(() => {
    cfn.reset();
    // Two pages; an expired stack already being deleted is skipped.
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [stackOf('expired'), stackOf('unexpired'), { ...stackOf('expired', 'DELETE_IN_PROGRESS'), StackId: 'being-deleted' }], NextToken: 'page-2' });
    cfn.on(DescribeStacksCommand, { NextToken: 'page-2' }).resolves({ Stacks: [stackOf('malformed'), stackOf('noExpiry'), stackOf('untagged'), { StackName: 'other', StackId: 'other', StackStatus: 'CREATE_COMPLETE', CreationTime: new Date(NOW) }] });
    cfn.on(DeleteStackCommand).resolves({});
  });

  it('deletes only the expired stack with both tags, by its id, reading every page', async () => {
    const report = await sweep([source()], { nowMs: NOW });
    expectReport(report, idOf);
    expect(cfn.commandCalls(DescribeStacksCommand)).toHaveLength(2);
    expect(cfn.commandCalls(DeleteStackCommand).map((call) => call.args[0].input)).toEqual([{ StackName: idOf('expired') }]);
  });

  it('deletes nothing in a dry run, reporting what it would delete', async () => {
    const report = await sweep([source()], { nowMs: NOW, dryRun: true });
    expectReport(report, idOf, true);
    expect(cfn.commandCalls(DeleteStackCommand)).toHaveLength(0);
  });

  it('reports a refused deletion as failed and a failed listing as its source failed', async () => {
    cfn.on(DeleteStackCommand).rejects(Object.assign(new Error('User is not authorized to perform: cloudformation:DeleteStack'), { name: 'AccessDenied' }));
    const refused = await sweep([source()], { nowMs: NOW });
    expect(refused.removed).toEqual([]);
    expect(refused.failed).toEqual([expect.objectContaining({ id: idOf('expired'), error: expect.stringContaining('not authorized') })]);
    cfn.on(DescribeStacksCommand).rejects(new Error('throttled'));
    const unlisted = await sweep([source()], { nowMs: NOW });
    expect(unlisted.failed).toEqual([{ kind: 'cloudformation-stack', id: '*', why: 'could not list', error: 'throttled' }]);
  });
});

describe('sweep — EC2 instances (aws-sdk-client-mock)', () => {
  const ec2 = mockClient(EC2Client);
  const idOf = (c: Case) => `i-0${Object.keys(TAGS).indexOf(c)}aaaabbbbcccc000`;
  const instanceOf = (c: Case): Instance => ({ InstanceId: idOf(c), State: { Name: 'running' }, Tags: [...awsTags(c), { Key: 'Name', Value: 'fb-client' }] });
  beforeEach(() => {
    ec2.reset();
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [instanceOf('expired'), instanceOf('unexpired')] }], NextToken: 'next' });
    // EC2 filters by tag key itself, so the untagged instance would not be listed; the fake lists it anyway to show it is not touched.
    ec2.on(DescribeInstancesCommand, { NextToken: 'next' }).resolves({ Reservations: [{ Instances: [instanceOf('malformed')] }, { Instances: [instanceOf('noExpiry'), instanceOf('untagged')] }] });
    ec2.on(TerminateInstancesCommand).resolves({});
  });

  it('terminates only the expired instance with both tags, asking EC2 for live run-tagged instances on every page', async () => {
    const report = await sweep([ec2Instances(new EC2Client({ region: 'eu-west-1' }))], { nowMs: NOW });
    expectReport(report, idOf);
    const filters = ec2.commandCalls(DescribeInstancesCommand).map((call) => call.args[0].input.Filters);
    expect(filters).toHaveLength(2);
    expect(filters[0]).toEqual([
      { Name: 'tag-key', Values: [RUN] },
      { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] },
    ]);
    expect(ec2.commandCalls(TerminateInstancesCommand).map((call) => call.args[0].input)).toEqual([{ InstanceIds: [idOf('expired')] }]);
  });

  it('terminates nothing in a dry run', async () => {
    expectReport(await sweep([ec2Instances(new EC2Client({ region: 'eu-west-1' }))], { nowMs: NOW, dryRun: true }), idOf, true);
    expect(ec2.commandCalls(TerminateInstancesCommand)).toHaveLength(0);
  });
});

describe('sweep — Azure resource groups (fake ARM)', () => {
  let arm: FakeArm;
  let fake: FakeArmResources;
  let source: SweepSource;
  const idOf = (c: Case) => `fb-${c.toLowerCase()}-lab`;
  beforeAll(async () => {
    fake = createFakeArmResources({ listPageSize: 2 });
    arm = await startFakeArm({ routes: [fake.route] });
    const client = new ResourceManagementClient(fakeCredential, FAKE_SUBSCRIPTION, { endpoint: arm.url, tlsOptions: { ca: arm.ca }, retryOptions: { maxRetries: 0 } } as never);
    source = resourceGroups(client);
  });
  afterAll(() => arm?.close());
  beforeEach(() => {
    fake.groups.clear();
    fake.deletedGroups.length = 0;
    for (const c of Object.keys(TAGS) as Case[]) fake.groups.set(idOf(c), { name: idOf(c), location: 'westeurope', tags: { ...TAGS[c] } });
    fake.groups.set('shared-rg', { name: 'shared-rg', location: 'westeurope', tags: {} });
  });

  it('deletes only the expired group with both tags, listing by the run tag through every page', async () => {
    const before = arm.requests.length;
    const report = await sweep([source], { nowMs: NOW });
    expectReport(report, idOf);
    expect(fake.deletedGroups).toEqual([idOf('expired')]);
    const lists = arm.requests.slice(before).filter((request) => request.method === 'GET' && /\/resourcegroups$/i.test(request.path));
    expect(lists.length).toBeGreaterThanOrEqual(2);
    expect(lists[0]?.query.$filter).toBe(`tagName eq '${RUN}'`);
  });

  it('deletes nothing in a dry run', async () => {
    expectReport(await sweep([source], { nowMs: NOW, dryRun: true }), idOf, true);
    expect(fake.deletedGroups).toEqual([]);
    expect(fake.groups.size).toBe(6);
  });
});

describe('sweep — OpenFaaS functions (fake gateway on loopback)', () => {
  let server: Server;
  let gatewayUrl: string;
  let functions: { name: string; labels?: Record<string, string> }[];
  const deleted: string[] = [];
  const idOf = (c: Case) => `fb-${c.toLowerCase()}-function1`;
  /** As labels: `/` keys and epoch seconds. */
  const labelsOf = (c: Case): Record<string, string> => {
    const tags: Record<string, string> = TAGS[c];
    const labels: Record<string, string> = { 'com.openfaas.scale.zero': 'true' };
    if (tags[RUN]) labels['faas-benchmarker/run'] = tags[RUN];
    const expires = tags[EXPIRES];
    if (expires) labels['faas-benchmarker/expires'] = expires === 'next tuesday' ? expires : String(Date.parse(expires) / 1000);
    return labels;
  };
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => {
        body += chunk.toString('utf8');
      });
      req.on('end', () => {
        if (req.url !== '/system/functions') return res.writeHead(404).end();
        if (req.method === 'GET') return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(functions));
        if (req.method === 'DELETE') {
          const { functionName } = JSON.parse(body) as { functionName: string };
          deleted.push(functionName);
          functions = functions.filter((fn) => fn.name !== functionName);
          return res.writeHead(202).end();
        }
        res.writeHead(405).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    gatewayUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    deleted.length = 0;
    functions = [...(Object.keys(TAGS) as Case[]).map((c) => ({ name: idOf(c), labels: labelsOf(c) })), { name: 'someone-elses' }];
  });

  it('deletes only the expired function with both labels (expiry in epoch seconds)', async () => {
    const report = await sweep([openFaasFunctions({ gatewayUrl })], { nowMs: NOW });
    expect(report.kept.find((line) => line.id === idOf('unexpired'))?.why).toBe(`expires at ${FUTURE}`);
    expectReport(report, idOf);
    expect(deleted).toEqual([idOf('expired')]);
  });

  it('deletes nothing in a dry run', async () => {
    expectReport(await sweep([openFaasFunctions({ gatewayUrl })], { nowMs: NOW, dryRun: true }), idOf, true);
    expect(deleted).toEqual([]);
  });
});
