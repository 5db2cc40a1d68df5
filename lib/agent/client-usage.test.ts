/** The agent's report of its machine and CPU use: validated at the step boundary, shown in the manifest. */
import { describe, expect, it } from 'vitest';
import { clientManifest, clientUsageSchema } from './client-usage';

describe.concurrent('clientManifest', () => {
  it('records the CPU model, core count, the agent\'s CPU time and its share of one core', () => {
    const usage = { cpuModel: 'Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz', cpuCores: 2, agentCpuMs: 45_000.4, wallMs: 60_000 };
    expect(clientManifest(usage)).toEqual({
      client_cpu: { cpu_model: 'Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz', cpu_cores: 2, agent_cpu_ms: 45_000, wall_ms: 60_000, agent_cpu_of_one_core: 0.75 },
    });
  });

  it('leaves the share empty when no time passed', () => {
    expect(clientManifest({ cpuModel: 'x', cpuCores: 1, agentCpuMs: 0, wallMs: 0 }).client_cpu).toMatchObject({ agent_cpu_of_one_core: null });
  });

  it('refuses a report without cores or with negative CPU time', () => {
    expect(clientUsageSchema.safeParse({ cpuModel: 'x', cpuCores: 0, agentCpuMs: 1, wallMs: 1 }).success).toBe(false);
    expect(clientUsageSchema.safeParse({ cpuModel: 'x', cpuCores: 2, agentCpuMs: -1, wallMs: 1 }).success).toBe(false);
  });
});
