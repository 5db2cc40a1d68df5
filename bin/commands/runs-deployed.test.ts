/**
 * `fb runs` and `fb show` reading a deployed stage: the real CLI in a child process, finding the
 * stage's Aurora through the fake CloudFormation endpoint (DescribeStacks of
 * `FaasBenchmarker-<stage>-Results`) and reading it through the real RDS Data API client against
 * the fake Data API endpoint, both pointed at by the SDK's own `AWS_ENDPOINT_URL_*` variables.
 *
 * The deployed database is a copy of a seeded local store, so the same data is read both ways and
 * the outputs are compared whole: the text tables, `fb show`'s text and its `--json`.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeCloudFormation, startFakeCloudFormation } from '../../test-support/fake-cloudformation';
import { type FakeDataApi, startFakeDataApi } from '../../test-support/fake-data-api';
import { COST_SCHEMA } from '../../lib/cost/types';
import { openResultsStore } from '../../lib/results/open-store';
import type { SqlResultsStore } from '../../lib/results/sql-store';
import type { InvocationRow } from '../../lib/results/types';
import { invocationRow } from '../../lib/results/store.contract';
import { runFb } from '../../test-support/cli';
import { RESUME_WAIT_LINE } from './store';

const root = mkdtempSync(join(tmpdir(), 'fb-deployed-'));
const localCwd = join(root, 'local');
const remoteCwd = join(root, 'remote');
const CLUSTER = 'arn:aws:rds:eu-west-1:123456789012:cluster:faas-benchmarker-x-results';
const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!cluster-0a1b-AbCdEf';
const RUN_IDS = ['a1e09018-599d-46dc-8ab3-40dab03d1570', 'b7c4d2e1-0000-4000-8000-000000000002', 'c3f5a6b7-0000-4000-8000-000000000003'];

let db: PGlite | undefined;
let dataApi: FakeDataApi;
let cloudFormation: FakeCloudFormation;
/** What the CLI printed for the local store (the first test). */
let local: { runs: string; show: string; showJson: string; failedJson: string } | undefined;

beforeAll(async () => {
  mkdirSync(localCwd, { recursive: true });
  mkdirSync(remoteCwd, { recursive: true });
  const dataDir = join(localCwd, '.fb', 'pglite');
  const store = await openResultsStore({ dataDir, now: steppingClock(Date.parse('2026-03-01T10:00:00.000Z'), 1_537) });
  try {
    await seed(store);
  } finally {
    await store.close();
  }
  // The deployed database: the same data, served through the fake Data API.
  const copy = join(root, 'aurora');
  cpSync(dataDir, copy, { recursive: true });
  db = await PGlite.create({ dataDir: copy });
  dataApi = await startFakeDataApi({ db });
  cloudFormation = await startFakeCloudFormation({
    'FaasBenchmarker-x-Results': { outputs: { ClusterArn: CLUSTER, SecretArn: SECRET, DatabaseName: 'results', ResultsBucketName: 'bucket' } },
    'FaasBenchmarker-half-Results': { status: 'CREATE_IN_PROGRESS', outputs: { ClusterArn: CLUSTER } },
  });
}, 60_000);

afterAll(async () => {
  await dataApi?.close();
  await cloudFormation?.close();
  await db?.close();
  rmSync(root, { recursive: true, force: true });
});

/** The environment of a child: no AWS settings of this machine, no network beyond the fakes. */
function childEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('AWS_') && !key.startsWith('FB_')));
  const merged: NodeJS.ProcessEnv = {
    ...env,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: join(root, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(root, 'no-aws-credentials'),
    AWS_MAX_ATTEMPTS: '1',
    ...extra,
  };
  // A key set to undefined is left out (spawn would pass the text "undefined").
  return Object.fromEntries(Object.entries(merged).filter(([, value]) => value !== undefined));
}

/** What a deployed stage needs: credentials, a region, and the SDK's endpoint overrides pointing at the fakes. */
const aws = (): NodeJS.ProcessEnv => ({
  AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'not-a-secret',
  AWS_REGION: 'eu-west-1',
  AWS_ENDPOINT_URL_CLOUDFORMATION: cloudFormation.url,
  AWS_ENDPOINT_URL_RDS_DATA: dataApi.url,
});

const fb = (cwd: string, args: string[], env: NodeJS.ProcessEnv = {}) => runFb(cwd, args, childEnv(env), { replaceEnv: true });

/** `fb …` that must succeed; its stdout. */
async function ok(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const result = await fb(cwd, args, env);
  expect(result.stderr.replace(/\(node:\d+\) Warning: NodeVersionSupportWarning[\s\S]*?show where the warning was created\)\n/, '')).not.toMatch(/^fb: /m);
  expect(result.code, `fb ${args.join(' ')}: ${result.stderr}`).toBe(0);
  return result.stdout;
}

describe('fb runs / fb show against a deployed stage (fake CloudFormation + fake Data API)', () => {
  it('print the same as for the same data in the local store, by --stage, FB_RESULTS=stage:… and FB_RESULTS=data-api:…', async () => {
    local = {
      runs: await ok(localCwd, ['runs']),
      show: await ok(localCwd, ['show', RUN_IDS[0]?.slice(0, 8) as string]),
      showJson: await ok(localCwd, ['show', RUN_IDS[0] as string, '--json']),
      failedJson: await ok(localCwd, ['show', RUN_IDS[1] as string, '--json']),
    };
    // The seeded data is what is printed, so the comparison compares something.
    expect(local.runs.split('\n').filter((line) => RUN_IDS.some((id) => line.startsWith(id.slice(0, 8))))).toHaveLength(3);
    expect(local.runs).toMatch(/a1e09018\s+coldstart-identifier\s+aws-lambda\s+completed\s+2026-03-01 10:00:00\s+\S+\s+40\s+160 s/);
    expect(local.show).toContain('result: cold after 160 s idle (warm at 150 s) (idle_timeout = 160 s ± 10 s)');
    expect(local.show).toContain('cost: $0.0123 (estimate, list prices of 2026-12-05)');
    expect(local.show).toMatch(/search \(3 rows\)/);
    expect(JSON.parse(local.showJson).summary).toMatchObject({ invocations: 40, cold: 5 });
    expect(JSON.parse(local.failedJson)).toMatchObject({ run: { status: 'failed', reason: 'RunAgent timed out after 900 s' }, summary: { invocations: 24, errors: 6, throttled: 6, timeouts: 6 } });

    const viaStage = ['--stage', 'x'];
    const [runs, show, showJson, failedJson] = await Promise.all([
      ok(remoteCwd, ['runs', ...viaStage], aws()),
      ok(remoteCwd, ['show', RUN_IDS[0]?.slice(0, 8) as string, ...viaStage], aws()),
      ok(remoteCwd, ['show', RUN_IDS[0] as string, '--json', ...viaStage], aws()),
      ok(remoteCwd, ['show', RUN_IDS[1] as string, '--json', ...viaStage], aws()),
    ]);
    expect(runs).toBe(local.runs);
    expect(show).toBe(local.show);
    expect(showJson).toBe(local.showJson);
    expect(failedJson).toBe(local.failedJson);
    // It went through the fakes, and never opened a local store.
    expect(cloudFormation.requests.filter((request) => request.stackName === 'FaasBenchmarker-x-Results').length).toBeGreaterThanOrEqual(4);
    expect(dataApi.requests.some((request) => /from runs/.test(request.sql ?? ''))).toBe(true);
    expect(existsSync(join(remoteCwd, '.fb'))).toBe(false);

    const dataApiTarget = `data-api:${CLUSTER}?secret=${SECRET}&database=results`;
    const [byStageSetting, byTarget] = await Promise.all([
      // FB_RESULTS wins over FB_DATABASE_URL (which points nowhere).
      ok(remoteCwd, ['runs'], { ...aws(), FB_RESULTS: 'stage:x', FB_DATABASE_URL: 'postgres://fb@127.0.0.1:1/nowhere' }),
      ok(remoteCwd, ['show', RUN_IDS[0] as string, '--json'], { ...aws(), FB_RESULTS: dataApiTarget, AWS_ENDPOINT_URL_CLOUDFORMATION: 'http://127.0.0.1:1' }),
    ]);
    expect(byStageSetting).toBe(local.runs);
    expect(byTarget).toBe(local.showJson);
  }, 120_000);

  it('says it waits while the database resumes, then prints the runs', async () => {
    dataApi.failNext('DatabaseResumingException', 2);
    const result = await fb(remoteCwd, ['runs', '--stage', 'x'], aws());
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(local?.runs);
    expect(result.stderr.split('\n').filter((line) => line === RESUME_WAIT_LINE)).toHaveLength(1);
  }, 60_000);

  it('releases a stuck run of the stage (fb runs --release … --stage)', async () => {
    const stuckId = 'd4e5f6a7-0000-4000-8000-000000000004';
    await db?.query(
      `insert into runs (id, experiment, platform, client_platform, status, status_history, started_at, params, manifest)
       values ($1, 'linear-invocation', 'aws-lambda', 'azure-vm', 'running', '[{"status":"running","at":"2026-03-02T00:00:00.000Z"}]', now(), '{}', '{}')`,
      [stuckId],
    );
    const out = await ok(remoteCwd, ['runs', '--release', stuckId.slice(0, 8), '--reason', 'execution lost in the outage', '--stage', 'x'], aws());
    expect(out).toContain(`released run ${stuckId} (linear-invocation on aws-lambda, was running): failed`);
    const row = await db?.query<{ status: string; reason: string }>('select status, reason from runs where id = $1', [stuckId]);
    expect(row?.rows).toEqual([{ status: 'failed', reason: 'released by hand while running: execution lost in the outage' }]);
    await db?.query('delete from runs where id = $1', [stuckId]);
  }, 60_000);

  it('answers a missing stack, missing outputs, credentials, region and a malformed FB_RESULTS with one line each', async () => {
    const noCredentials = { ...aws(), AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' };
    const noRegion = { ...aws(), AWS_REGION: undefined };
    const cases: [string[], NodeJS.ProcessEnv, RegExp][] = [
      [['runs', '--stage', 'nope'], aws(), /^fb: no stack FaasBenchmarker-nope-Results in eu-west-1: is the stage deployed there/],
      [['show', 'a1e09018', '--stage', 'half'], aws(), /^fb: stack FaasBenchmarker-half-Results \(CREATE_IN_PROGRESS\) has no output SecretArn, DatabaseName/],
      [['runs', '--stage', 'x'], noCredentials, /^fb: no AWS credentials for reading the outputs of stack FaasBenchmarker-x-Results: set AWS_PROFILE/],
      [['runs', '--stage', 'x'], noRegion, /^fb: no AWS region for reading the outputs of stack FaasBenchmarker-x-Results: pass --region/],
      [['runs'], { ...aws(), FB_RESULTS: `data-api:${CLUSTER}` }, /^fb: FB_RESULTS=.* names no results database \(secret missing\); expected stage:<name>/],
      // A local run does not start when FB_RESULTS points at a deployment it cannot write to.
      [['run', 'linear-invocation', '--quick'], { ...aws(), FB_RESULTS: 'stage:x' }, /^fb: FB_RESULTS names a deployed results database \(stage x\), which runs on this machine cannot store into/],
    ];
    const results = await Promise.all(cases.map(([args, env]) => fb(remoteCwd, args, env)));
    for (const [index, [args, , message]] of cases.entries()) {
      const result = results[index];
      const lines = result?.stderr.split('\n').filter((line) => line.startsWith('fb: ')) ?? [];
      expect(result?.code, args.join(' ')).toBe(1);
      expect(lines, `${args.join(' ')}: ${result?.stderr}`).toHaveLength(1);
      expect(lines[0]).toMatch(message);
      expect(result?.stdout).toBe('');
    }
    expect(existsSync(join(remoteCwd, '.fb'))).toBe(false);
  }, 120_000);
});

/** A clock that moves `stepMs` at each reading, so every stored time is fixed. */
function steppingClock(startMs: number, stepMs: number): () => Date {
  let now = startMs;
  return () => {
    const at = new Date(now);
    now += stepMs;
    return at;
  };
}

async function seed(store: SqlResultsStore): Promise<void> {
  const [coldstart, concurrency, linear] = RUN_IDS as [string, string, string];
  const through = async (id: string, final: 'completed' | 'failed', reason?: string) => {
    for (const status of ['provisioning', 'running', 'collecting', 'destroying'] as const) await store.setRunStatus(id, status);
    await store.setRunStatus(id, final, reason);
  };

  await store.createRun({
    id: coldstart,
    experiment: 'coldstart-identifier',
    platform: 'aws-lambda',
    client_platform: 'azure-vm',
    params: { initialStepS: 300, confirmations: 5, functions: ['function1'] },
    manifest: { version: '0.1.0', quick: false, time_scale: 1, clock: { offset_ms: -1.25, error_ms: 0.4 } },
  });
  await store.insertInvocations(
    Array.from({ length: 40 }, (_, seq) =>
      invocationRow(coldstart, seq, {
        cold: seq % 8 === 0,
        client_send: 1_772_359_200_000 + seq * 1_000.125,
        client_end: 1_772_359_200_000 + seq * 1_000.125 + (seq % 8 === 0 ? 310.5 + seq : 12.375 + (seq % 5) * 0.731),
        instance_identifier: `lambda-${Math.floor(seq / 8)}`,
        memory_mb: 128,
        cpu_time_ms: 1.5 + (seq % 3),
      }),
    ),
  );
  await store.insertExperimentRows(
    [
      { idle_s: 300, new_instance: true, step_s: 300, instance_identifier: 'lambda-0' },
      { idle_s: 150, new_instance: false, step_s: 60, note: 'warm "still"' },
      { idle_s: 160, new_instance: true, step_s: 10, confirmations: [1, 2, 3], detail: { p: 0.5 } },
    ].map((data, seq) => ({ run_id: coldstart, table_name: 'search', seq, data })),
  );
  await store.setRunResult(coldstart, { metric: 'idle_timeout', value: 160, unit: 's', granularity: 10, sentence: 'cold after 160 s idle (warm at 150 s)' });
  await store.setRunCost(coldstart, 0.0123, {
    schema: COST_SCHEMA,
    kind: 'actual',
    usd: 0.0123,
    complete: true,
    items: [{ what: 'Lambda requests', quantity: 40, unit: 'request', unitPriceUsd: 0.0000002, usd: 0.000008 }],
    priceTable: '2026-12-05',
    regions: { aws: 'eu-west-1', azure: 'westeurope' },
    notes: [],
    excluded: [],
    inputs: {},
  });
  await through(coldstart, 'completed');

  await store.createRun({ id: concurrency, experiment: 'concurrency-benchmarking', platform: 'azure-functions', client_platform: 'aws-ec2', params: { levels: [8, 16] }, manifest: {} });
  const statuses = ['ok', 'error', 'throttled', 'timeout'] as const;
  await store.insertInvocations(
    Array.from({ length: 24 }, (_, seq) => {
      const nested = seq % 6 === 5;
      return invocationRow(concurrency, seq, {
        function_name: nested ? 'function2' : 'function1',
        level: nested ? 1 : 0,
        parent: nested ? `id-${seq - 1}` : null,
        status: statuses[seq % 4] as InvocationRow['status'],
        http_status: [200, 500, 429, null][seq % 4] as number | null,
        error_type: seq % 4 === 1 ? 'FunctionError' : null,
        error_message: seq % 4 === 1 ? 'boom: "quoted"\tand tabbed' : null,
        client_send: nested ? null : 1_772_360_000_000 + seq * 3.5,
        client_end: nested ? null : 1_772_360_000_000 + seq * 3.5 + 40 + seq,
        invocation_start: nested ? 1_772_360_000_010 + seq : null,
        invocation_end: nested ? 1_772_360_000_030.5 + seq * 1.5 : null,
        cold: seq < 8,
      });
    }),
  );
  await through(concurrency, 'failed', 'RunAgent timed out after 900 s');

  await store.createRun({ id: linear, experiment: 'linear-invocation', platform: 'local', client_platform: 'local', params: {}, manifest: { quick: true } });
  await through(linear, 'completed');
}

