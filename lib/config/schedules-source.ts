/**
 * Where the schedules come from. In order, the first that is given wins:
 *
 * 1. CDK context `schedules` (`cdk deploy -c schedules=…` or cdk.json): an inline JSON array
 *    (`-c schedules='[{…}]'`, or an array in cdk.json), or the path of a JSON file (relative to the
 *    project root), e.g. `-c schedules=schedules.prod.json`;
 * 2. `schedules.json` at the project root, when it exists;
 * 3. nothing: no schedules (and no schedule group).
 *
 * `fb schedules --file` and `fb serve` read a file the same way ({@link readScheduleFile}).
 * The entries are validated by `loadSchedules` (./schedules.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { DEPLOYED_ONLY_PLATFORMS } from '../platforms/names';
import { loadSchedules, ScheduleConfigError, type ScheduleConfig, type ScheduleTarget } from './schedules';
import type { StagePlatforms } from './stage-platforms';

/** The schedule file at the project root that `cdk synth` and `fb schedules` read when nothing else is named. */
export const SCHEDULES_FILE = 'schedules.json';

/** Raw schedule entries and where they came from (the start of every validation message). */
export interface ScheduleEntries {
  /** `schedules.json`, `-c schedules (inline)`, a file path, or `none`. */
  readonly source: string;
  /** The parsed JSON (an array when valid); `[]` when no schedules are configured. */
  readonly entries: unknown;
}

/** The JSON of a schedule file; a missing file or bad JSON is a {@link ScheduleConfigError} naming the file. */
export function readScheduleFile(path: string, source = path): ScheduleEntries {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ScheduleConfigError([`${source}: cannot be read (${error instanceof Error ? error.message : String(error)})`]);
  }
  try {
    return { source, entries: JSON.parse(text) };
  } catch (error) {
    throw new ScheduleConfigError([`${source}: is not JSON (${error instanceof Error ? error.message : String(error)})`]);
  }
}

/** The entries the CDK app deploys: context `schedules` first, then `schedules.json` at `projectRoot`, else none. */
export function scheduleEntriesOf(options: { context: unknown; projectRoot: string }): ScheduleEntries {
  const { context, projectRoot } = options;
  if (Array.isArray(context)) return { source: '-c schedules (cdk.json)', entries: context };
  if (typeof context === 'string' && context.trim() !== '') {
    const value = context.trim();
    if (value.startsWith('[')) {
      try {
        return { source: '-c schedules (inline)', entries: JSON.parse(value) };
      } catch (error) {
        throw new ScheduleConfigError([`-c schedules (inline): is not JSON (${error instanceof Error ? error.message : String(error)})`]);
      }
    }
    const path = isAbsolute(value) ? value : join(projectRoot, value);
    return readScheduleFile(path, isAbsolute(value) ? value : relative(projectRoot, path));
  }
  if (context !== undefined && context !== null && context !== '') {
    throw new ScheduleConfigError(['-c schedules: must be a JSON array or the path of a JSON file']);
  }
  const file = join(projectRoot, SCHEDULES_FILE);
  return existsSync(file) ? readScheduleFile(file, SCHEDULES_FILE) : { source: 'none', entries: [] };
}

/**
 * The validated schedules a stage deploys (bin/app.ts): {@link scheduleEntriesOf}, then
 * `loadSchedules` against the platforms the stage runs. Throws `ScheduleConfigError`.
 */
export function loadStageSchedules(options: { context: unknown; projectRoot: string; stagePlatforms: StagePlatforms }): ScheduleConfig[] {
  const { source, entries } = scheduleEntriesOf(options);
  return loadSchedules(entries, { target: 'deployed', source, stagePlatforms: options.stagePlatforms });
}

/** The validated schedules of a file for a target (`fb schedules`, `fb serve`). Throws `ScheduleConfigError`. */
export function loadScheduleFile(path: string, target: ScheduleTarget, source = path): ScheduleConfig[] {
  const { entries } = readScheduleFile(path, source);
  return loadSchedules(entries, { target, source });
}

/** What `fb serve` runs of a schedule file, and what it leaves to the deployment. */
export interface LocalScheduleFile {
  /** The entries naming only platforms the local control plane runs, validated for target `local`. */
  readonly schedules: ScheduleConfig[];
  /** Names of the entries that name a deployed-only platform (aws-lambda, azure-functions): `cdk deploy` schedules them, `fb serve` does not. */
  readonly deployedOnly: string[];
}

/**
 * The same schedule file `cdk deploy` reads, as `fb serve` runs it: an entry whose platforms
 * include a deployed-only one is left to the deployment (named in `deployedOnly`), every other
 * entry is validated for target `local`. Throws `ScheduleConfigError` naming the bad entries.
 */
export function loadLocalScheduleFile(path: string, source = path): LocalScheduleFile {
  const { entries } = readScheduleFile(path, source);
  if (!Array.isArray(entries)) return { schedules: loadSchedules(entries, { target: 'local', source }), deployedOnly: [] };
  const isDeployedOnly = (entry: unknown) => {
    const platforms = (entry as { platforms?: unknown } | null)?.platforms;
    return Array.isArray(platforms) && platforms.some((platform) => (DEPLOYED_ONLY_PLATFORMS as readonly unknown[]).includes(platform));
  };
  const deployedOnly = entries.filter(isDeployedOnly).map((entry) => String((entry as { name?: unknown }).name ?? '(unnamed)'));
  return { schedules: loadSchedules(entries.filter((entry) => !isDeployedOnly(entry)), { target: 'local', source }), deployedOnly };
}
