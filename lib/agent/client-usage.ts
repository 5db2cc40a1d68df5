import { z } from 'zod';

/**
 * The client machine the agent ran on and what the agent itself used of it, reported with the
 * agent's success (AgentOutcome.client) so a saturated load generator is visible in the run's
 * manifest: a single-threaded agent near one core's worth of CPU was throttling its own load.
 */
export const clientUsageSchema = z.object({
  /** The CPU model the OS reports (`os.cpus()[0].model`). */
  cpuModel: z.string(),
  /** Logical cores the agent could use (`os.availableParallelism()`). */
  cpuCores: z.number().int().positive(),
  /** CPU time the agent's process used during the run (user + system), in milliseconds. */
  agentCpuMs: z.number().min(0),
  /** Wall time of the run the CPU time was measured over, in milliseconds. */
  wallMs: z.number().min(0),
});

/** What the agent reports of its machine and its own CPU use. */
export type ClientUsage = z.infer<typeof clientUsageSchema>;

/**
 * The manifest's `client_cpu` entry (beside `client`, the machine that was made): the machine's
 * CPU (`cpu_model`, `cpu_cores`), the agent's CPU time and the run's wall time, and their ratio
 * `agent_cpu_of_one_core` (1 = one core busy throughout; the agent's JavaScript runs on one
 * thread, so near 1 it was saturated).
 */
export function clientManifest(usage: ClientUsage): Record<string, unknown> {
  const share = usage.wallMs > 0 ? Math.round((usage.agentCpuMs / usage.wallMs) * 1000) / 1000 : null;
  return {
    client_cpu: {
      cpu_model: usage.cpuModel,
      cpu_cores: usage.cpuCores,
      agent_cpu_ms: Math.round(usage.agentCpuMs),
      wall_ms: Math.round(usage.wallMs),
      agent_cpu_of_one_core: share,
    },
  };
}
