import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createExperimentFile } from './create-experiment';

describe('fb create-experiment', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('writes a template, adds it to the catalog, and refuses to overwrite or a bad name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fb-create-'));
    dirs.push(dir);
    const catalogFile = join(dir, 'catalog.ts');
    const file = createExperimentFile('my-probe', dir, catalogFile);
    expect(readFileSync(file, 'utf8')).toContain("name: 'my-probe'");
    expect(readFileSync(file, 'utf8')).toContain("from '../lib/experiment'");
    expect(readFileSync(catalogFile, 'utf8')).toContain("import myProbe from '../../experiments/my-probe';");
    expect(() => createExperimentFile('my-probe', dir, catalogFile)).toThrow('already exists');
    expect(() => createExperimentFile('My_Probe', dir, catalogFile)).toThrow('kebab-case');
  });
});
