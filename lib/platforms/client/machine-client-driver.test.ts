import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { AgentPlan } from '../../agent/plan';
import { S3PlanStore } from '../aws/s3-plan-store';
import { ClientSizeNotOfferedError, ClientTeardownError } from '../errors';
import type { BranchInput, ClientMachine } from '../platform';
import { MachineClientDriver } from './machine-client-driver';
import { chooseClientSize } from './machine-size';

const RUN = { runId: '1a2b3c4d-0000-4000-8000-000000000001', platform: 'aws-lambda' };
const branch = (client?: Record<string, unknown>): BranchInput => ({ run: RUN, experiment: 'e', params: {}, quick: true, platformOptions: {}, ...(client ? { client } : {}) });
const plan = { runId: RUN.runId, callback: { secret: 's3cr3t' } } as unknown as AgentPlan;

function parts(options: { destroyFails?: boolean; agentFails?: boolean } = {}) {
  const calls: string[] = [];
  const machine: ClientMachine = {
    create: async () => {
      calls.push('create');
      return { kind: 'vm', ready: false };
    },
    check: async (input) => {
      calls.push(`check:${String(input.client?.kind)}`);
      return { kind: 'vm', ready: true };
    },
    destroy: async () => {
      calls.push('destroy');
      if (options.destroyFails) throw new Error('ResourceGroupBeingDeleted');
    },
    removal: async () => {
      calls.push('removal');
      return { gone: true, state: 'deleted' };
    },
  };
  const agent = {
    startAgent: async (_plan: AgentPlan, input: BranchInput) => void calls.push(`start:${String(input.client?.kind)}`),
    teardown: async () => {
      calls.push('stop');
      if (options.agentFails) throw new Error('VM not reachable');
    },
  };
  return { calls, client: new MachineClientDriver(machine, agent, async (runId) => void calls.push(`plan:${runId}`)) };
}

describe('MachineClientDriver', () => {
  it('creates, polls and drives the agent through its parts, with the branch the state machine keeps', async () => {
    const { calls, client } = parts();
    expect(await client.provision(branch())).toEqual({ kind: 'vm', ready: false });
    expect(await client.check(branch({ kind: 'vm', ready: false }))).toEqual({ kind: 'vm', ready: true });
    await client.startAgent(plan, branch({ kind: 'vm', ready: true }));
    expect(calls).toEqual(['create', 'check:vm', 'start:vm']);
  });

  it('hands the size check to the machine, and checks nothing for a machine without one', async () => {
    const { calls, client } = parts();
    const sizing = chooseClientSize({ azureVmSize: 'Standard_D4_v3' }, {});
    await expect(client.checkSizeOffered(sizing)).resolves.toBeUndefined();
    const checked: unknown[] = [];
    const machine: ClientMachine = {
      create: async () => ({}),
      check: async () => ({ ready: true }),
      destroy: async () => undefined,
      removal: async () => ({ gone: true, state: 'deleted' }),
      checkSizeOffered: async (asked) => {
        checked.push(asked);
        throw new ClientSizeNotOfferedError('not here');
      },
    };
    await expect(new MachineClientDriver(machine, { startAgent: async () => undefined, teardown: async () => undefined }).checkSizeOffered(sizing)).rejects.toThrow(ClientSizeNotOfferedError);
    expect(checked).toEqual([sizing]);
    expect(calls).toEqual([]);
  });

  it('tears down agent, plan and machine; an agent it cannot reach does not matter once the machine is deleted', async () => {
    const { calls, client } = parts({ agentFails: true });
    await client.teardown(branch({ kind: 'vm', ready: true }));
    expect(calls).toEqual(['stop', `plan:${RUN.runId}`, 'destroy']);
  });

  it('does not try to stop an agent on a machine that never came up', async () => {
    const { calls, client } = parts();
    await client.teardown(branch({ kind: 'vm', ready: false }));
    expect(calls).toEqual([`plan:${RUN.runId}`, 'destroy']);
  });

  it('fails the teardown, naming every part that failed, when the machine was not deleted', async () => {
    const { client } = parts({ destroyFails: true, agentFails: true });
    const error = await client.teardown(branch({ kind: 'vm', ready: true })).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ClientTeardownError);
    expect((error as Error).message).toMatch(/agent: Error: VM not reachable; machine: Error: ResourceGroupBeingDeleted/);
  });
});

describe('S3PlanStore', () => {
  const s3 = mockClient(S3Client);
  beforeEach(() => s3.reset());

  it('puts the plan encrypted under plans/<run>.json and answers a presigned GET of it that expires', async () => {
    s3.on(PutObjectCommand).resolves({});
    const store = new S3PlanStore({ s3: new S3Client({ region: 'eu-west-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'example' } }), bucket: 'fb-results', kmsKeyId: 'alias/fb', expiresSeconds: 600 });
    const url = new URL(await store.urlFor(plan));
    expect(s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input)).toEqual([
      { Bucket: 'fb-results', Key: `plans/${RUN.runId}.json`, Body: JSON.stringify(plan), ContentType: 'application/json', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'alias/fb' },
    ]);
    expect(url.hostname).toBe('fb-results.s3.eu-west-1.amazonaws.com');
    expect(url.pathname).toBe(`/plans/${RUN.runId}.json`);
    expect(url.searchParams.get('X-Amz-Expires')).toBe('600');
    expect(url.href).not.toContain('s3cr3t');
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(0);
  });

  it('deletes the plan', async () => {
    s3.on(DeleteObjectCommand).resolves({});
    await new S3PlanStore({ s3: new S3Client({ region: 'eu-west-1' }), bucket: 'fb-results' }).remove(RUN.runId);
    expect(s3.commandCalls(DeleteObjectCommand).map((call) => call.args[0].input)).toEqual([{ Bucket: 'fb-results', Key: `plans/${RUN.runId}.json` }]);
  });
});
