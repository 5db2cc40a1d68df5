/**
 * Migration 2: `callbacks`, the control plane's registry of agent callbacks (lib/callback): one
 * row per run whose RunAgent task waits, with the SHA-256 of the run's callback secret (never the
 * secret), the Step Functions task token, when it expires, and whether its single success/failure
 * has been claimed. Kept in the results database so every Lambda sees the same registry.
 */
export const sql = `
create table callbacks (
  run_id text primary key references runs (id) on delete cascade,
  secret_hash text not null,
  task_token text not null,
  expires_at timestamptz not null,
  used boolean not null default false
);
`;
