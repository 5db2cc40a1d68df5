import { describe, expect, it } from 'vitest';
import type { InvocationUsage } from '../results/types';
import { BYTES_PER_GB, DATA_API_REQUESTS_PER_RUN, LAMBDA_INIT_MS_ASSUMED, S3_REQUESTS_PER_RUN, TRANSFER_BYTES } from './assumptions';
import type { RunFacts } from './run-facts';
import { countStateTransitions } from './state-transitions';
import type { UsageLine } from './types';
import { usageLines } from './usage-lines';

const group = (overrides: Partial<InvocationUsage>): InvocationUsage => ({ function_name: 'function1', memory_mb: 1024, root: true, invocations: 0, executed: 0, answered: 0, cold: 0, billed_ms: 0, ...overrides });

function facts(overrides: Partial<RunFacts>): RunFacts {
  return {
    platform: 'local',
    controlPlane: 'local',
    client: { kind: 'local', size: null, seconds: 36 },
    invocations: [group({ invocations: 10, executed: 10, answered: 10, cold: 1, billed_ms: 100 })],
    agentSeconds: 30,
    heartbeatIntervalMs: 60_000,
    readinessPolls: { functions: 1, client: 1 },
    resultRows: 12,
    ...overrides,
  };
}

const line = (lines: UsageLine[], what: string) => {
  const found = lines.find((entry) => entry.what === what);
  if (!found) throw new Error(`no line "${what}" in ${lines.map((entry) => entry.what).join(', ')}`);
  return found;
};

describe('Function: usageLines', () => {
  it('lists the embedded default as free, saying why', () => {
    const { lines, notes } = usageLines(facts({}));
    expect(lines).toEqual([
      { what: 'lab-function invocations (local)', quantity: 10, unit: 'request', price: { free: 'runs on this machine' } },
      { what: 'client: this machine', quantity: 0.01, unit: 'hour', price: { free: 'runs on this machine' } },
    ]);
    expect(notes).toEqual(['embedded default: the functions, the client and the control plane all run on this machine, so nothing here is billed']);
  });

  it('AWS Lambda from an Azure VM on the deployed control plane: every billed quantity from the facts', () => {
    // Two root groups at 1024 and 2048 MB, one nested group; 7 200 s of client, 3 000 s of agent.
    const invocations = [
      group({ invocations: 100, executed: 98, answered: 99, cold: 2, billed_ms: 5000 }),
      group({ memory_mb: 2048, invocations: 10, executed: 10, answered: 10, cold: 1, billed_ms: 1000 }),
      group({ function_name: 'function2', root: false, invocations: 98, executed: 98, answered: 0, cold: 1, billed_ms: 2000 }),
    ];
    const { lines } = usageLines(
      facts({ platform: 'aws-lambda', controlPlane: 'deployed', client: { kind: 'azure-vm', size: 'Standard_D2s_v5', seconds: 7200 }, invocations, agentSeconds: 3000, readinessPolls: { functions: 6, client: 12 }, resultRows: 250 }),
    );
    expect(line(lines, 'AWS Lambda requests').quantity).toBe(98 + 10 + 98);
    expect(line(lines, 'AWS Lambda compute').quantity).toBeCloseTo(5 * 1 + 1 * 2 + 2 * 1, 12);
    expect(line(lines, 'AWS Lambda INIT of cold starts').quantity).toBeCloseTo((LAMBDA_INIT_MS_ASSUMED / 1000) * (2 * 1 + 1 * 2 + 1 * 1), 12);
    expect(line(lines, 'API Gateway REST API calls').quantity).toBe(99 + 10);
    expect(line(lines, 'client: Azure VM Standard_D2s_v5')).toMatchObject({ quantity: 2, price: { azureVmSize: 'Standard_D2s_v5' } });
    expect(line(lines, "client's public IPv4 address (Azure)").quantity).toBe(2);
    expect(line(lines, 'Step Functions state transitions').quantity).toBe(countStateTransitions({ functions: 6, client: 12 }));
    expect(line(lines, 'RDS Data API requests').quantity).toBe(DATA_API_REQUESTS_PER_RUN + 50);
    expect(line(lines, 'S3 PUT requests').quantity).toBe(S3_REQUESTS_PER_RUN.put);
    expect(line(lines, "data out of AWS: the functions' answers").quantity).toBeCloseTo((109 * TRANSFER_BYTES.responsePerCall + 206 * TRANSFER_BYTES.perRecord) / BYTES_PER_GB, 15);
    expect(line(lines, "data out of Azure: the client's requests").quantity).toBeCloseTo((110 * TRANSFER_BYTES.requestPerCall) / BYTES_PER_GB, 15);
    expect(line(lines, 'data out of Azure: the results upload to S3').quantity).toBeCloseTo((250 * TRANSFER_BYTES.perResultRow) / BYTES_PER_GB, 15);
    expect(line(lines, 'data out of AWS: the agent bundle and plan to the client').price).toEqual({ key: 'awsEgressGb' });
  });

  it('Azure Functions from EC2: at least 100 ms and the 1.5 GB limit per execution, no egress charge to S3 in the region', () => {
    // The group's billed_ms already carries the 100 ms minimum (the store rounds); memory in 128 MB steps.
    const { lines } = usageLines(
      facts({ platform: 'azure-functions', controlPlane: 'deployed', client: { kind: 'ec2', size: 'c5.large', seconds: 1800 }, invocations: [group({ memory_mb: 1536, invocations: 4, executed: 4, answered: 4, billed_ms: 400 })] }),
    );
    expect(line(lines, 'Azure Functions executions').quantity).toBe(4);
    expect(line(lines, 'Azure Functions execution time').quantity).toBeCloseTo(0.4 * 1.5, 12);
    expect(line(lines, 'client: EC2 c5.large')).toMatchObject({ quantity: 0.5, price: { ec2InstanceType: 'c5.large' } });
    expect(line(lines, "data out of Azure: the functions' answers").price).toEqual({ key: 'azureEgressGb' });
    expect(line(lines, 'the results upload and agent download (EC2 ↔ S3 in one region)').price).toEqual({ free: 'no charge within a region' });
    expect(lines.some((entry) => entry.what.startsWith('AWS Lambda'))).toBe(false);
  });

  it('Azure Functions on Flex Consumption: the instance memory over the activity periods when they are known, else each execution as its own period (an upper bound)', () => {
    // Per execution, rounded as Flex bills a period (at least 1 s, 100 ms steps): 3 s; joined per instance: 2 s.
    const base = {
      platform: 'azure-functions',
      controlPlane: 'deployed' as const,
      client: { kind: 'ec2' as const, size: 'c5.large', seconds: 1800 },
      invocations: [group({ memory_mb: null, invocations: 3, executed: 3, answered: 3, billed_ms: 3000 })],
      azureHosting: { plan: 'flex-consumption' as const, instanceMemoryMb: 4096 },
    };
    const known = usageLines(facts({ ...base, instanceActivity: [{ function_name: 'function1', memory_mb: null, instances: 1, periods: 2, billed_ms: 2000 }] })).lines;
    expect(line(known, 'Azure Functions executions (Flex Consumption, on demand)')).toMatchObject({ quantity: 3, price: { key: 'azureFlexExecution' } });
    expect(line(known, 'Azure Functions instance time (Flex Consumption, on demand)')).toMatchObject({ quantity: 2 * 4, price: { key: 'azureFlexGbSecond' } });
    const unknown = line(usageLines(facts(base)).lines, 'Azure Functions instance time (Flex Consumption, on demand)');
    expect(unknown.quantity).toBe(3 * 4);
    expect(unknown.note).toContain('an upper bound');
  });

  it('OpenFaaS: the cluster is not priced, the client and the local control plane follow where they run', () => {
    const local = usageLines(facts({ platform: 'openfaas' }));
    expect(local.lines[0]).toMatchObject({ what: 'lab-function invocations (openfaas)', price: { free: 'your OpenFaaS cluster: not priced' } });
    expect(local.notes).toEqual(['the local control plane runs on this machine: no Step Functions, Data API or S3 requests', 'OpenFaaS functions run on your cluster, whose cost this estimate does not know']);
    const deployed = usageLines(facts({ platform: 'openfaas', controlPlane: 'deployed', client: { kind: 'azure-vm', size: 'Standard_D2s_v5', seconds: 3600 } }));
    expect(line(deployed.lines, "data out of your cluster: the functions' answers").price).toEqual({ free: 'your OpenFaaS cluster: not priced' });
    expect(line(deployed.lines, 'client: Azure VM Standard_D2s_v5').quantity).toBe(1);
    expect(line(deployed.lines, 'Step Functions state transitions').quantity).toBe(countStateTransitions({ functions: 1, client: 1 }));
  });
});
