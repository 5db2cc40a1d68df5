import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import packageJson from '../package.json';

/** The project's version, read from package.json: what `fb --version`, run manifests and the local gateway report. */
export const FB_VERSION: string = packageJson.version;

/** Set by the bundlers (client-agent/build.ts, ControlPlaneFunction) to the commit they built from. */
declare const FB_COMMIT: string | undefined;

let commit: string | null | undefined;

/**
 * The git commit the running code comes from, for run manifests: the one a bundle was built from,
 * else the working tree's `HEAD` (with `-dirty` when it has uncommitted changes), else null.
 */
export function sourceCommit(): string | null {
  if (commit === undefined) commit = typeof FB_COMMIT === 'string' && FB_COMMIT ? FB_COMMIT : gitCommit(join(__dirname, '..'));
  return commit;
}

/** `HEAD` of the repository at `dir` (`-dirty` appended when the tree has changes), or null without git. */
export function gitCommit(dir: string): string | null {
  try {
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).trim();
    return `${head}${dirty ? '-dirty' : ''}`;
  } catch {
    return null;
  }
}
