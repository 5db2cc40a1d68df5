import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..');
const SKIP = new Set(['node_modules', 'dist', 'cdk.out', '.fb', '.git', 'coverage']);

function sourceFiles(dir = ROOT, found: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) sourceFiles(path, found);
    else if (/\.(ts|js|cjs|mts|md|json)$/.test(entry.name) && entry.name !== 'package-lock.json') found.push(path);
  }
  return found;
}

/**
 * Every document the code and the docs point at is in the repository: a reader can follow each
 * reference without access to anything else.
 */
describe('Documentation references', () => {
  const files = sourceFiles();

  it('name no document outside the repository', () => {
    const outside = files.flatMap((file) => {
      const text = readFileSync(file, 'utf8');
      return [/toolchain notes/i, /style rule \d/i, /ARCHITECTURE(\.md)? §/, /seed-inventory/, /shared\/(reference|design)\//]
        .filter((pattern) => pattern.test(text) && !file.endsWith('repository-docs.test.ts'))
        .map((pattern) => `${relative(ROOT, file)}: ${pattern}`);
    });
    expect(outside).toEqual([]);
  });

  it('point only at markdown files that exist', () => {
    const missing: string[] = [];
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(/(?<![\w/.-])((?:\.{1,2}\/)?[\w.-]+(?:\/[\w.-]+)*\.md)\b/g)) {
        const reference = match[1] as string;
        if (/^https?:/.test(reference)) continue;
        const candidates = [join(ROOT, reference), join(dirname(file), reference)];
        if (!candidates.some((candidate) => existsSync(candidate))) missing.push(`${relative(ROOT, file)} → ${reference}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
