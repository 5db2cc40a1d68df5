/**
 * The migration list and its SQL splitter, and the small helpers of errors.ts; no database here
 * (the store contract runs the migrations against PGlite and PostgreSQL 15).
 */
import { describe, expect, it } from 'vitest';
import { isConnectionError, mapDatabaseError, DuplicateRowsError, RunNotFoundError, redactDatabaseUrl } from './errors';
import { splitSqlStatements } from './migrate';
import { MIGRATIONS } from './migrations';
import { INVOCATION_STATUSES, RUN_STATUSES } from './types';

describe('splitSqlStatements', () => {
  it('splits at top-level semicolons and drops comment-only pieces', () => {
    expect(splitSqlStatements('create table a (x int);\n-- note; with a semicolon\ncreate index i on a (x);\n-- trailing\n')).toEqual([
      'create table a (x int)',
      '-- note; with a semicolon\ncreate index i on a (x)',
    ]);
  });

  it('ignores semicolons in strings, quoted identifiers and block comments', () => {
    expect(splitSqlStatements(`select 'a;''b'; select "we;ird"; /* x; y */ select 1`)).toEqual([
      `select 'a;''b'`,
      'select "we;ird"',
      '/* x; y */ select 1',
    ]);
  });

  it('rejects what it cannot split safely', () => {
    expect(() => splitSqlStatements(`select 'open`)).toThrow(/unterminated/);
    expect(() => splitSqlStatements('do $$ begin end $$;')).toThrow(/dollar/);
    expect(splitSqlStatements('select $1, $2')).toEqual(['select $1, $2']);
  });
});

describe('MIGRATIONS', () => {
  it('are numbered 1, 2, 3… in order and split cleanly', () => {
    expect(MIGRATIONS.map((migration) => migration.version)).toEqual(MIGRATIONS.map((_, index) => index + 1));
    for (const migration of MIGRATIONS) expect(splitSqlStatements(migration.sql).length).toBeGreaterThan(0);
  });

  it('check exactly the statuses of types.ts (the SQL spells them out)', () => {
    const initial = MIGRATIONS[0]?.sql ?? '';
    const listIn = (constraint: string) => {
      const match = new RegExp(`constraint ${constraint}\\s+check \\(status in \\(([^)]*)\\)\\)`).exec(initial);
      return match?.[1]?.split(',').map((item) => item.trim().replace(/'/g, ''));
    };
    expect(listIn('runs_status_check')).toEqual([...RUN_STATUSES]);
    expect(listIn('invocations_status_check')).toEqual([...INVOCATION_STATUSES]);
  });
});

describe('redactDatabaseUrl', () => {
  it('removes passwords from URLs and key/value strings', () => {
    expect(redactDatabaseUrl('postgres://fb:s3cr%40t@db.example:5432/results?sslmode=require')).toBe(
      'postgres://fb:***@db.example:5432/results?sslmode=require',
    );
    expect(redactDatabaseUrl('postgresql://db/results?user=fb&password=hunter2')).toBe('postgresql://db/results?user=fb&password=***');
    expect(redactDatabaseUrl('host=db user=fb password=hunter2 dbname=x')).toBe('host=db user=fb password=*** dbname=x');
    expect(redactDatabaseUrl('postgres://fb@db/results')).toBe('postgres://fb@db/results');
  });
});

describe('database error mapping', () => {
  const dbError = (code: string, detail: string) => Object.assign(new Error('violation'), { code, detail });

  it('names unique and foreign-key violations and leaves the rest alone', () => {
    const duplicate = mapDatabaseError(dbError('23505', 'Key (run_id, seq)=(r, 1) already exists.'), { table: 'invocations' });
    expect(duplicate).toBeInstanceOf(DuplicateRowsError);
    expect((duplicate as Error).message).toBe('invocations: rows already stored — Key (run_id, seq)=(r, 1) already exists.');
    const missing = mapDatabaseError(dbError('23503', 'Key (run_id)=(nope) is not present in table "runs".'), { table: 'invocations' });
    expect(missing).toBeInstanceOf(RunNotFoundError);
    expect(missing).toMatchObject({ runId: 'nope' });
    const other = dbError('42P01', '');
    expect(mapDatabaseError(other, { table: 'x' })).toBe(other);
  });

  it('recognises connection failures', () => {
    expect(isConnectionError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isConnectionError(new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })]))).toBe(true);
    expect(isConnectionError(Object.assign(new Error('duplicate'), { code: '23505' }))).toBe(false);
  });
});
