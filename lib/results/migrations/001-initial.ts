/**
 * Migration 1: the results schema (lib/results/README.md) — runs, invocations, experiment_rows, and
 * the schema_migrations ledger itself.
 *
 * Frozen once released: never edit an applied migration, add a new numbered one instead. The
 * status lists are spelled out rather than built from RUN_STATUSES/INVOCATION_STATUSES so this
 * text never changes under a database that already ran it (a test checks they still agree).
 *
 * PostgreSQL 15 SQL only (Aurora Serverless v2 runs 15–17; PGlite is 18). Statements are split
 * on top-level semicolons by the migration runner: no dollar-quoted bodies.
 *
 * Keys: runs(id); invocations(run_id, seq); experiment_rows(run_id, table_name, seq). They make
 * a re-import detectable (a duplicate raises DuplicateRowsError), and they are the per-run
 * indexes: every per-run query (`where run_id = $1 [order by seq]`) is served by them.
 */
export const sql = `
create table if not exists schema_migrations (
  version integer primary key,
  name text not null,
  applied_at timestamptz not null default now()
);

create table runs (
  id text primary key,
  experiment text not null,
  platform text not null,
  client_platform text not null,
  status text not null
    constraint runs_status_check
    check (status in ('starting', 'provisioning', 'running', 'collecting', 'destroying', 'completed', 'failed')),
  status_history jsonb not null default '[]'::jsonb,
  reason text,
  started_at timestamptz not null,
  ended_at timestamptz,
  params jsonb not null default '{}'::jsonb,
  manifest jsonb not null default '{}'::jsonb,
  execution_id text,
  invocation_count integer not null default 0,
  cost_estimate double precision
);

-- fb runs / fb show: newest first (id breaks ties so the order is total).
create index runs_started_at_idx on runs (started_at desc, id desc);

-- fb runs --running: the few runs not yet over.
create index runs_running_idx on runs (started_at desc, id desc)
  where status not in ('completed', 'failed');

create table invocations (
  run_id text not null references runs (id) on delete cascade,
  seq integer not null check (seq >= 0),
  batch_id text not null,
  batch_size integer not null,
  batch_index integer not null,
  identifier text not null,
  root_identifier text,
  parent text,
  level integer not null,
  function_name text not null,
  status text not null
    constraint invocations_status_check
    check (status in ('ok', 'error', 'timeout', 'throttled')),
  http_status integer,
  error_type text,
  error_message text,
  client_send double precision,
  client_first_byte double precision,
  client_end double precision,
  invocation_start double precision,
  invocation_end double precision,
  execution_start double precision,
  execution_end double precision,
  instance_identifier text,
  platform_instance_id text,
  cold boolean,
  instance_invocation_count integer,
  memory_mb double precision,
  cpu_time_ms double precision,
  function_cores double precision,
  cpu_model text,
  runtime text,
  platform text,
  region text,
  sleep_s double precision,
  throughput_time_s double precision,
  throughput_ops double precision,
  attempts integer not null,
  extra jsonb,
  primary key (run_id, seq)
);

create table experiment_rows (
  run_id text not null references runs (id) on delete cascade,
  table_name text not null,
  seq integer not null check (seq >= 0),
  data jsonb not null,
  primary key (run_id, table_name, seq)
);
`;
