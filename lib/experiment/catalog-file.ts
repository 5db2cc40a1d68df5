import { readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EXPERIMENT_NAME, InvalidExperimentError } from './define';

/** The folder of experiment modules: one `<name>.ts` per experiment (the user's extension point). */
export const EXPERIMENTS_DIR = resolve(__dirname, '..', '..', 'experiments');
/** The generated static catalog every program finds experiments in (CLI, step Lambdas, agent bundle). */
export const CATALOG_FILE = join(__dirname, 'catalog.ts');

/**
 * The experiment files in `dir`: every `<name>.ts` that is not a test, a declaration or a
 * `_`-prefixed helper, sorted. A file whose name is not a valid experiment name is an error, so a
 * typo in a file name cannot silently hide an experiment.
 */
export function experimentFileNames(dir = EXPERIMENTS_DIR): string[] {
  const names: string[] = [];
  for (const file of readdirSync(dir).sort()) {
    if (!file.endsWith('.ts') || file.endsWith('.test.ts') || file.endsWith('.d.ts') || file.startsWith('_')) continue;
    const name = file.slice(0, -'.ts'.length);
    if (!EXPERIMENT_NAME.test(name)) throw new InvalidExperimentError(`experiments/${file}: the file name must be the experiment's kebab-case name`);
    names.push(name);
  }
  return names;
}

/** The catalog's source for these experiment names. */
export function renderCatalog(names: readonly string[]): string {
  const identifier = (name: string) => name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  return [
    '// Generated from the files in experiments/ by lib/experiment/catalog-file.ts: do not edit.',
    '// `fb` and `cdk synth` regenerate it when experiments/ changes; a test checks it is current.',
    "import type { Experiment } from './define';",
    ...names.map((name) => `import ${identifier(name)} from '../../experiments/${name}';`),
    '',
    '/** Every experiment, with the file it came from (its name must be the file name). */',
    'export const EXPERIMENT_CATALOG: readonly (readonly [file: string, experiment: Experiment])[] = [',
    ...names.map((name) => `  ['${name}', ${identifier(name)} as unknown as Experiment],`),
    '];',
    '',
  ].join('\n');
}

/**
 * Make the catalog match the experiment files, so that adding an experiment is adding its file.
 * Writes (atomically) only when something changed; returns whether it did.
 */
export function syncExperimentCatalog(options: { dir?: string; catalogFile?: string; without?: readonly string[] } = {}): boolean {
  const catalogFile = options.catalogFile ?? CATALOG_FILE;
  const names = experimentFileNames(options.dir).filter((name) => !options.without?.includes(name));
  const wanted = renderCatalog(names);
  let current = '';
  try {
    current = readFileSync(catalogFile, 'utf8');
  } catch {
    // No catalog yet: write it.
  }
  if (current === wanted) return false;
  const staging = `${catalogFile}.${process.pid}.tmp`;
  writeFileSync(staging, wanted);
  renameSync(staging, catalogFile);
  return true;
}
