import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { DataApiExecutor } from '../lib/results/data-api-executor';
import { SqlResultsStore } from '../lib/results/sql-store';
import type { FakeDataApi } from './fake-data-api';

/**
 * Stand-ins for the objects of Aurora PostgreSQL's `aws_s3` extension, for PGlite: the tests of
 * the S3 import (lib/control-plane/aurora-import.test.ts, lib/results/s3-import.test.ts) run the
 * import's real SQL against them. `aws_commons.create_s3_uri` builds the same composite;
 * `aws_s3.table_import_from_s3` reads the object from a `fake_s3_objects` table and loads it as
 * COPY TEXT would (fields split on tabs, `\N` as NULL, backslash escapes read by an E'' literal,
 * each value cast to its column's type), raising when the object is not there.
 */
export const AURORA_STAND_INS: readonly string[] = [
  `create table fake_s3_objects (bucket text, key text, region text, body text, primary key (bucket, key))`,
  `create schema if not exists aws_commons`,
  `create type aws_commons._s3_uri_1 as (bucket text, file_path text, region text)`,
  `create function aws_commons.create_s3_uri(s3_bucket text, s3_key text, aws_region text) returns aws_commons._s3_uri_1
  language sql immutable as $$ select row(s3_bucket, s3_key, aws_region)::aws_commons._s3_uri_1 $$`,
  `create schema if not exists aws_s3`,
  `create function aws_s3.table_import_from_s3(table_name text, column_list text, options text, s3_info aws_commons._s3_uri_1)
  returns text language plpgsql as $fn$
declare
  object_body text;
  line text;
  n int := 0;
begin
  if options <> '(format text)' then raise exception 'stand-in only reads (format text), got %', options; end if;
  select o.body into object_body from fake_s3_objects o
    where o.bucket = (s3_info).bucket and o.key = (s3_info).file_path and o.region = (s3_info).region;
  if not found then raise exception 'no object s3://%/% in %', (s3_info).bucket, (s3_info).file_path, (s3_info).region; end if;
  for line in select l from string_to_table(object_body, E'\\n') as l where l <> '' loop
    execute format('insert into %I (%s) values (%s)', table_name, column_list, (
      select string_agg(case when f = '\\N' then 'NULL' else 'E''' || replace(f, '''', '''''') || '''' end, ', ' order by i)
      from unnest(string_to_array(line, E'\\t')) with ordinality as t(f, i)));
    n := n + 1;
  end loop;
  return format('%s rows imported into relation "%s" from file %s', n, table_name, (s3_info).file_path);
end
$fn$`,
];

/**
 * A results store reaching `fake` through the real RDS Data API client and DataApiExecutor, as the
 * deployed Lambdas reach Aurora: migrated, with the stand-ins installed. Destroy `client` when done.
 */
export async function auroraStoreOnFake(fake: FakeDataApi, region: string): Promise<{ client: RDSDataClient; store: SqlResultsStore }> {
  const client = new RDSDataClient({ endpoint: fake.url, region, credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 1 });
  const store = new SqlResultsStore(
    new DataApiExecutor({
      client,
      resourceArn: `arn:aws:rds:${region}:123456789012:cluster:fb-results`,
      secretArn: `arn:aws:secretsmanager:${region}:123456789012:secret:fb-results-AbCdEf`,
      database: 'postgres',
    }),
  );
  await store.migrate();
  for (const statement of AURORA_STAND_INS) await fake.db.query(statement);
  return { client, store };
}
