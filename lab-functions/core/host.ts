import { cpus } from 'node:os';

/** What the function can see of the machine it runs on, read once at module init. */
export interface HostInfo {
  cpuModel: string;
  cores: number;
  runtime: string;
}

export function readHostInfo(): HostInfo {
  const cpuList = cpus();
  return {
    cpuModel: cpuList[0]?.model?.trim() || 'unknown',
    cores: cpuList.length,
    runtime: `nodejs${process.versions.node}`,
  };
}
