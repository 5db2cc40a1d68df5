/**
 * Every schema migration, in order. The runner (../migrate.ts) applies those whose version is
 * not yet in `schema_migrations`. Add a migration as `NNN-name.ts` exporting `sql`, then list it
 * here with the next version number; never change or renumber one that has shipped.
 */
import { sql as initial } from './001-initial';
import { sql as callbacks } from './002-callbacks';
import { sql as runResult } from './003-run-result';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'initial', sql: initial },
  { version: 2, name: 'callbacks', sql: callbacks },
  { version: 3, name: 'run-result', sql: runResult },
];
