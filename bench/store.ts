/**
 * Results store bulk writes: 1,000,000 realistic invocation rows stored through the pg driver's
 * insertInvocations (COPY TEXT, 50k rows per call) vs `psql \copy` of the same rows from a file
 * into the same table of a throwaway PostgreSQL server (the floor: the server's own COPY, no
 * JavaScript). Target: the store takes at most 1.5× the psql time. Also PGlite's time for 100k
 * rows, for reference.
 *
 * The file holds exactly the bytes the store sends (the store's COPY TEXT encoder, tab-separated),
 * so both paths load identical data into `invocations` with its primary key, foreign key and
 * checks. The table is truncated between runs; two rounds in alternating order, best of each.
 * Row generation is outside the timings. Bounded: about a minute, server and files removed.
 */
import { execFile } from 'node:child_process';
import { createWriteStream, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { createRandom } from '../lab-functions/core/random';
import { encodeCopyText } from '../lib/results/copy-encoder';
import { openResultsStore } from '../lib/results/open-store';
import { INVOCATION_COPY_COLUMNS, type SqlResultsStore } from '../lib/results/sql-store';
import type { InvocationRow } from '../lib/results/types';
import { startTestPostgres } from '../test-support/postgres';

const ROWS = 1_000_000;
const CHUNK = 50_000;
const PGLITE_ROWS = 100_000;
const RUN_ID = 'bench-store-0001';
const TARGET_RATIO = 1.5;

const execFileAsync = promisify(execFile);


const ERROR_MESSAGES = [
  'HTTP 502: upstream "gateway" said: bad gateway, retry later',
  'socket hang up\n    at connResetException (node:internal/errors:720:14)',
  'Task timed out after 3.00 seconds',
  'C:\\functions\\handler.js: Unexpected token \t in JSON at position 12',
];

/**
 * Rows `[start, start + count)` of a generated run: batches of 10 concurrent roots on
 * aws-lambda, a third of them with one nested call, 2% cold, ~1.7% failures of each kind.
 */
function* generateChunks(runId: string, total: number, chunk: number): Generator<InvocationRow[]> {
  // Seeded, so every pass generates the same rows.
  const next = createRandom(20_240_611);
  const t0 = 1_717_000_000_000.125;
  let seq = 0;
  let batch = 0;
  let rows: InvocationRow[] = [];
  while (seq < total) {
    const batchId = `batch-${batch.toString(16).padStart(8, '0')}`;
    for (let index = 0; index < 10 && seq < total; index++) {
      const send = t0 + batch * 250 + index * 0.37 + next();
      const latency = 15 + next() * 120;
      const cold = next() < 0.02;
      const roll = next();
      const status: InvocationRow['status'] = roll < 0.01 ? 'error' : roll < 0.015 ? 'throttled' : roll < 0.017 ? 'timeout' : 'ok';
      const instance = `i-${Math.floor(next() * 64)}-2f9c1b7e`;
      const rootId = `${batchId}-${index}-7d41c0aa9e`;
      const executionStart = send + 2 + next() * 3;
      const base: InvocationRow = {
        run_id: runId,
        seq,
        batch_id: batchId,
        batch_size: 10,
        batch_index: index,
        identifier: rootId,
        root_identifier: rootId,
        parent: 'root',
        level: 0,
        function_name: `function${1 + Math.floor(next() * 4)}`,
        status,
        http_status: status === 'ok' ? 200 : status === 'throttled' ? 429 : status === 'timeout' ? null : 502,
        error_type: status === 'ok' ? null : status === 'error' ? 'HttpError' : status === 'timeout' ? 'TimeoutError' : 'Throttled',
        error_message: status === 'ok' ? null : (ERROR_MESSAGES[Math.floor(next() * ERROR_MESSAGES.length)] ?? null),
        client_send: send,
        client_first_byte: send + latency * 0.9,
        client_end: send + latency,
        invocation_start: null,
        invocation_end: null,
        execution_start: status === 'ok' ? executionStart : null,
        execution_end: status === 'ok' ? executionStart + latency * 0.7 : null,
        instance_identifier: status === 'ok' ? instance : null,
        platform_instance_id: status === 'ok' ? `2024/06/01/[$LATEST]${instance}` : null,
        cold: status === 'ok' ? cold : null,
        instance_invocation_count: status === 'ok' ? 1 + Math.floor(next() * 500) : null,
        memory_mb: 1024,
        cpu_time_ms: status === 'ok' ? next() * 20 : null,
        function_cores: 0.5833,
        cpu_model: 'Intel(R) Xeon(R) Processor @ 2.90GHz',
        runtime: 'nodejs20.x',
        platform: 'aws-lambda',
        region: 'eu-central-1',
        sleep_s: null,
        throughput_time_s: null,
        throughput_ops: null,
        attempts: 1,
        extra: next() < 0.1 ? { random_seed: Math.floor(next() * 1e9), throughput_cpu_time_ms: next() * 50, note: 'quote " and \\ slash' } : null,
      };
      rows.push(base);
      seq++;
      if (status === 'ok' && next() < 0.33 && seq < total) {
        const start = executionStart + 1;
        rows.push({
          ...base,
          seq,
          identifier: `${rootId}-n1`,
          parent: rootId,
          level: 1,
          function_name: 'function5',
          http_status: 200,
          client_send: null,
          client_first_byte: null,
          client_end: null,
          invocation_start: start,
          invocation_end: start + latency * 0.5,
          execution_start: start + 1,
          execution_end: start + latency * 0.4,
          cold: next() < 0.02,
          extra: null,
        });
        seq++;
      }
      if (rows.length >= chunk) {
        yield rows;
        rows = [];
      }
    }
    batch++;
  }
  if (rows.length) yield rows;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function resetInvocations(store: SqlResultsStore): Promise<void> {
  await store.executor.query('truncate invocations');
  await store.executor.query('update runs set invocation_count = 0 where id = $1', [RUN_ID]);
  await store.executor.query('checkpoint');
}

async function countRows(store: SqlResultsStore): Promise<number> {
  const { rows } = await store.executor.query<{ n: number }>('select count(*)::int as n from invocations where run_id = $1', [RUN_ID]);
  return rows[0]?.n ?? 0;
}

/** Store every row through insertInvocations; returns the time spent in those calls. */
async function storeRows(store: SqlResultsStore, total: number): Promise<{ ms: number; cpuMs: number }> {
  let ms = 0;
  let cpuMs = 0;
  for (const rows of generateChunks(RUN_ID, total, CHUNK)) {
    const started = performance.now();
    const cpu = process.cpuUsage();
    await store.insertInvocations(rows);
    const used = process.cpuUsage(cpu);
    ms += performance.now() - started;
    cpuMs += (used.user + used.system) / 1000;
  }
  return { ms, cpuMs };
}

const load = () => os.loadavg()[0]?.toFixed(2) ?? '?';

export async function run(): Promise<void> {
  const benchStarted = performance.now();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'fb-bench-store-'));
  try {
    await postgresVsPsql(dir);
    await pgliteReference(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  console.log(`(bench took ${seconds(performance.now() - benchStarted)})`);
}

async function postgresVsPsql(dir: string): Promise<void> {
  const server = await startTestPostgres();
  let store: SqlResultsStore | undefined;
  try {
    store = await openResultsStore({ databaseUrl: server.url });
    await store.createRun({ id: RUN_ID, experiment: 'bench', platform: 'aws-lambda', client_platform: 'local', params: {}, manifest: {} });

    // The same rows, as the COPY TEXT the store sends, in a file for psql.
    const file = path.join(dir, 'invocations.tsv');
    const out = createWriteStream(file);
    let encodeMs = 0;
    for (const rows of generateChunks(RUN_ID, ROWS, CHUNK)) {
      const started = performance.now();
      const text = encodeCopyText(rows, INVOCATION_COPY_COLUMNS);
      encodeMs += performance.now() - started;
      if (!out.write(text)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    }
    await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
    const columns = INVOCATION_COPY_COLUMNS.map((column) => column.name).join(', ');
    const psql = async () => {
      const started = performance.now();
      await execFileAsync(path.join(server.binDir, 'psql'), [server.url, '-q', '-v', 'ON_ERROR_STOP=1', '-c', `\\copy invocations (${columns}) from '${file}'`], {
        timeout: 300_000,
      });
      return performance.now() - started;
    };

    const times = { store: [] as number[], psql: [] as number[] };
    const measure = async (which: 'store' | 'psql') => {
      await resetInvocations(store as SqlResultsStore);
      const loadBefore = load();
      let ms: number;
      let note = '';
      if (which === 'store') {
        const result = await storeRows(store as SqlResultsStore, ROWS);
        ms = result.ms;
        note = `, ${seconds(result.cpuMs)} CPU in Node`;
      } else ms = await psql();
      const stored = await countRows(store as SqlResultsStore);
      if (stored !== ROWS) throw new Error(`${which} stored ${stored} rows, expected ${ROWS}`);
      times[which].push(ms);
      console.log(`  ${which === 'store' ? 'store.insertInvocations' : 'psql \\copy            '} ${seconds(ms)}${note} (load average ${loadBefore} before)`);
    };
    console.log(`${ROWS.toLocaleString('en')} invocation rows into PostgreSQL (${path.basename(path.dirname(server.binDir))}), ${CHUNK.toLocaleString('en')} rows per insertInvocations, ${os.cpus().length} CPUs:`);
    console.log(`  encoding alone (COPY TEXT, ${(statSync(file).size / 1e6).toFixed(0)} MB): ${seconds(encodeMs)}`);
    await measure('store');
    await measure('psql');
    await measure('psql');
    await measure('store');
    const best = { store: Math.min(...times.store), psql: Math.min(...times.psql) };
    const ratio = best.store / best.psql;
    console.log(
      `  best: store ${seconds(best.store)} (${Math.round(ROWS / (best.store / 1000)).toLocaleString('en')} rows/s), psql ${seconds(best.psql)}, ratio ${ratio.toFixed(2)}×`,
    );
    console.log(`  target: ≤ ${TARGET_RATIO}× psql \\copy → ${ratio <= TARGET_RATIO ? 'met' : 'NOT met'}`);
  } finally {
    await store?.close();
    await server.stop();
  }
}

/** PGlite, file-backed as the CLI uses it, for reference. */
async function pgliteReference(dir: string): Promise<void> {
  const pgliteStarted = performance.now();
  const lite = await openResultsStore({ dataDir: path.join(dir, 'pglite') });
  try {
    const opened = performance.now() - pgliteStarted;
    await lite.createRun({ id: RUN_ID, experiment: 'bench', platform: 'aws-lambda', client_platform: 'local', params: {}, manifest: {} });
    const { ms } = await storeRows(lite, PGLITE_ROWS);
    const stored = await countRows(lite);
    if (stored !== PGLITE_ROWS) throw new Error(`PGlite stored ${stored} rows, expected ${PGLITE_ROWS}`);
    console.log(`PGlite (file-backed, fresh data dir opened in ${seconds(opened)}):`);
    console.log(`  ${PGLITE_ROWS.toLocaleString('en')} rows via insertInvocations ${seconds(ms)} (${Math.round(PGLITE_ROWS / (ms / 1000)).toLocaleString('en')} rows/s)`);
  } finally {
    await lite.close();
  }
}
