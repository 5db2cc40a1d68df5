import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..');
const FOLDERS = ['bin', 'lib', 'lambdas', 'local', 'client-agent', 'experiments', 'lab-functions', 'test-support', 'bench', 'web'];

/**
 * The layout's rules (.dependency-cruiser.cjs), checked by dependency-cruiser over every source
 * file, tests included: lib/ imports no application folder (its experiment catalog aside), the
 * client agent nothing of the control plane or the CLI, lab functions nothing outside themselves,
 * and no module cycle.
 */
describe('Dependency rules', () => {
  it('hold for the whole tree', () => {
    const result = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs'), ...FOLDERS, '--output-type', 'err'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 120_000,
    });
    const report = `${result.stdout}${result.stderr}`;
    expect(report).toContain('no dependency violations found');
    expect(report).toMatch(/\d{3,} modules, \d{3,} dependencies cruised/);
    expect(result.status).toBe(0);
  }, 150_000);
});
