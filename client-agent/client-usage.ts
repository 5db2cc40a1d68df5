/**
 * Measures the client machine and the agent's own CPU use over a run (lib/agent/client-usage.ts
 * says what is reported and how the manifest shows it).
 */
import { availableParallelism, cpus } from 'node:os';
import type { ClientUsage } from '../lib/agent/client-usage';

/** Starts measuring now; the returned function reports the machine and the CPU the process used since. */
export function startClientUsage(clock: () => number = () => performance.now()): () => ClientUsage {
  const startedAt = clock();
  const cpuAtStart = process.cpuUsage();
  return () => {
    const used = process.cpuUsage(cpuAtStart);
    return {
      cpuModel: cpus()[0]?.model?.trim() || 'unknown',
      cpuCores: Math.max(1, availableParallelism()),
      agentCpuMs: (used.user + used.system) / 1000,
      wallMs: Math.max(0, clock() - startedAt),
    };
  };
}
