/**
 * Finding a local run's agent log: `fb run` keeps it in the runs folder (`.fb/runs/<runId>.agent.log`),
 * `fb run --all` in the run's experiment folder of its suite (`.fb/runs/suite-<time>/<nn>-<experiment>/`).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { localAgentLogFile } from './names';

/** The path of the run's agent log under `runsDir`, or undefined when it has none. */
export function findLocalAgentLog(runsDir: string, runId: string): string | undefined {
  const direct = localAgentLogFile(runsDir, runId);
  if (existsSync(direct)) return direct;
  for (const suite of entries(runsDir).filter((name) => name.startsWith('suite-'))) {
    for (const job of entries(join(runsDir, suite))) {
      const file = localAgentLogFile(join(runsDir, suite, job), runId);
      if (existsSync(file)) return file;
    }
  }
  return undefined;
}

function entries(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
  } catch {
    return [];
  }
}
