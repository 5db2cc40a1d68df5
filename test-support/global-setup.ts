import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { buildAgentBundle } from '../client-agent/build';
import { buildFunctions } from '../lab-functions/build';
import { makePgliteSeed, PGLITE_SEED_ENV } from './pglite-seed';

/**
 * Build every lab-function bundle and the agent bundle once before the tests: platform tests start
 * real instances of them, and the control-plane tests run the bundled agent as client machines do.
 * Make the PGlite seed new databases start from (./pglite-seed.ts), named in the environment the
 * workers and the `fb` processes they start inherit.
 */
export default async function setup(): Promise<() => void> {
  const [, , seed] = await Promise.all([buildFunctions(), buildAgentBundle(), makePgliteSeed()]);
  process.env[PGLITE_SEED_ENV] = seed;
  return () => rmSync(dirname(seed), { recursive: true, force: true });
}
