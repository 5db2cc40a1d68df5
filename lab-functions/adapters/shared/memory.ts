import { readFileSync } from 'node:fs';
import { totalmem } from 'node:os';

/**
 * Configured memory in MB for platforms that do not hand it to the function: `FB_MEMORY_MB` if
 * the deployment set it, else the cgroup v2 limit (a pod's memory limit), else the machine's
 * total memory. Always MB — the original mixed MB and bytes.
 */
export function memoryMbFromEnv(env: NodeJS.ProcessEnv, cgroupFile = '/sys/fs/cgroup/memory.max'): number {
  const configured = Number(env.FB_MEMORY_MB);
  if (Number.isFinite(configured) && configured > 0) return configured;
  try {
    const limit = readFileSync(cgroupFile, 'utf8').trim();
    if (/^\d+$/.test(limit)) return Math.round(Number(limit) / (1024 * 1024));
  } catch {
    // No cgroup v2 limit visible: fall through to the machine's memory.
  }
  return Math.round(totalmem() / (1024 * 1024));
}
