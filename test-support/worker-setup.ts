/** Runs in every test worker before each test file: new PGlite databases start from the suite's seed. */
import { usePgliteSeedFromEnv } from './pglite-seed';

usePgliteSeedFromEnv();
