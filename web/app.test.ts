/**
 * The UI application through `app.request`, over a real (in-memory PGlite) store seeded through
 * the ResultsStore API: the pages, the filters and their 400s, the downloads read back row by
 * row, the JSON API, the event stream, and the local mode's Host check and headers.
 */
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openResultsStore } from '../lib/results/open-store';
import type { SqlResultsStore } from '../lib/results/sql-store';
import type { InvocationRow } from '../lib/results/types';
import { SEED_ERROR_MESSAGE, SEED_FAILURE_REASON, type SeededRuns, seedUiRuns } from '../test-support/ui-seed';
import { createUiApp } from './app';
import { INVOCATION_COLUMNS } from './exports/invocation-columns';
import { storeSource } from './results-source';
import { createPollingRunFeed, type RunChangeFeed } from './run-feed';
import { STATIC_DIR } from './static-dir';

const HOST = '127.0.0.1:7890';
let store: SqlResultsStore;
let seeded: SeededRuns;
let feed: RunChangeFeed;
let app: ReturnType<typeof createUiApp>;

const get = (path: string, headers: Record<string, string> = {}) => app.request(path, { headers: { host: HOST, ...headers } });

/** RFC 4180 records (quoted fields may hold commas, quotes and line breaks). */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string;
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      record.push(field);
      field = '';
    } else if (char === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i++;
    } else field += char;
  }
  if (field !== '' || record.length) records.push([...record, field]);
  return records;
}

/** A stored value as the CSV writes it. */
function csvText(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

beforeAll(async () => {
  store = await openResultsStore();
  seeded = await seedUiRuns(store);
  feed = createPollingRunFeed({ source: storeSource(store), intervalMs: 50 });
  app = createUiApp({ results: storeSource(store), feed, auth: { mode: 'none', allowedHosts: () => [HOST, 'localhost:7890'] }, staticDir: STATIC_DIR, log: () => undefined });
});

afterAll(async () => {
  feed?.close();
  await store?.close();
});

describe('pages', () => {
  test('/ shows the running run apart from the finished ones, with status history and the failure reason', async () => {
    const response = await get('/');
    expect(response.status).toBe(200);
    const page = await response.text();
    const [active, recent] = page.split('<section class="recent-runs">') as [string, string];
    expect(active).toContain(`data-run-id="${seeded.running}"`);
    expect(active).not.toContain(seeded.completed);
    expect(recent).toContain(`data-run-id="${seeded.completed}"`);
    expect(recent).toContain(`data-run-id="${seeded.failed}"`);
    expect(recent).toContain(SEED_FAILURE_REASON.replace('(', '(').slice(0, 40));
    // The completed run's whole history, in order.
    const row = recent.slice(recent.indexOf(`data-run-id="${seeded.completed}"`));
    const history = [...(row.slice(0, row.indexOf('</tr>')).matchAll(/<li class="status-(\w+)"/g))].map((match) => match[1]);
    expect(history).toEqual(['starting', 'provisioning', 'running', 'collecting', 'destroying', 'completed']);
    expect(page).toContain('<link rel="stylesheet" href="/static/ui.css">');
    expect(page).toContain('<script src="/static/live.js" defer></script>');
  });

  test('/runs filters by platform, status, experiment and dates', async () => {
    const idsOn = async (query: string) => {
      const response = await get(`/runs${query}`);
      expect(response.status).toBe(200);
      return [...(await response.text()).matchAll(/data-run-id="([^"]+)"/g)].map((match) => match[1]);
    };
    expect(await idsOn('')).toEqual(expect.arrayContaining([seeded.completed, seeded.failed, seeded.running]));
    expect(await idsOn('?platform=openfaas')).toEqual([seeded.failed]);
    expect(await idsOn('?status=running&experiment=dev-experiment')).toEqual([seeded.running]);
    expect(await idsOn('?experiment=coldstart-identifier&platform=local&status=completed')).toEqual([seeded.completed]);
    expect(await idsOn('?from=2999-01-01')).toEqual([]);
    const today = new Date().toISOString().slice(0, 10);
    expect(await idsOn(`?from=${today}&to=${today}&platform=openfaas`)).toEqual([seeded.failed]);
    expect(await idsOn('?to=2000-01-01')).toEqual([]);
    // Blank fields, as a form sends them, are no filter.
    expect(await idsOn('?experiment=&platform=&status=failed&from=&to=')).toEqual([seeded.failed]);
  });

  test('/runs answers a bad filter with 400 and says what is wrong', async () => {
    const response = await get('/runs?status=paused');
    expect(response.status).toBe(400);
    const page = await response.text();
    expect(page).toMatch(/id="filter-error"[^>]*>bad runs filter: status: /);
    expect(page).toContain('<form class="filters"');
  });

  test('/runs/:id shows the header, the status history, the statistics tables, the experiment rows and the downloads', async () => {
    const response = await get(`/runs/${seeded.completed}`);
    expect(response.status).toBe(200);
    const page = await response.text();
    expect(page).toContain('<h1>coldstart-identifier <small>on local</small></h1>');
    expect(page).toContain('cold after 160 s idle (warm at 150 s) (idle_timeout = 160 s ± 10 s)');
    expect(page).toMatch(/<dt>Cost<\/dt><dd>\$0 \(estimate, list prices of 2026-12-05/);
    expect([...page.matchAll(/<tr class="status-(\w+)"><td><span class="status/g)].map((match) => match[1])).toEqual(['starting', 'provisioning', 'running', 'collecting', 'destroying', 'completed']);
    // Latency: one row per function and group, counts as seeded (20 calls of function1 + 1 error, 20 of function2, 1 nested function3).
    const statsRow = (fn: string, group: string) => page.match(new RegExp(`<tr data-function="${fn}" data-group="${group}">([\\s\\S]*?)</tr>`))?.[1] ?? '';
    const counts = (fn: string, group: string) => [...statsRow(fn, group).matchAll(/<td class="num">(\d+)<\/td>/g)].slice(0, 6).map((match) => Number(match[1]));
    expect(counts('function1', 'all')).toEqual([21, 20, 1, 0, 0, 20]);
    expect(counts('function1', 'cold')).toEqual([2, 2, 0, 0, 0, 2]);
    expect(counts('function2', 'all')).toEqual([20, 20, 0, 0, 0, 20]);
    expect(counts('function3', 'all')).toEqual([1, 1, 0, 0, 0, 1]);
    expect(counts('all functions', 'all')).toEqual([42, 41, 1, 0, 0, 41]);
    expect(page).toContain('<table class="rows" data-table="idle_search">');
    expect(page).toContain(`href="/runs/${seeded.completed}/invocations.csv"`);
    expect(page).toContain(`href="/runs/${seeded.completed}/invocations.arrow"`);
  });

  test('/runs/:id finds a run by a unique prefix, and answers 404 for an unknown one', async () => {
    expect((await get(`/runs/${seeded.failed.slice(0, 10)}`)).status).toBe(200);
    const missing = await get('/runs/no-such-run-here');
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain('There is no run no-such-run-here.');
    expect((await get('/api/runs/no-such-run-here')).status).toBe(404);
  });
});

describe('downloads', () => {
  test('the CSV has a header of every column and one line per stored invocation, values as stored', async () => {
    const response = await get(`/runs/${seeded.completed}/invocations.csv`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="${seeded.completed}-invocations.csv"`);
    const [header, ...records] = parseCsv(await response.text());
    const stored = await store.invocations(seeded.completed);
    expect(stored).toHaveLength(seeded.invocations.length);
    expect(header).toEqual(INVOCATION_COLUMNS.map((column) => column.name));
    expect(header).toEqual(expect.arrayContaining(Object.keys(stored[0] as InvocationRow)));
    expect(records).toHaveLength(stored.length);
    records.forEach((record, index) => {
      const row = stored[index] as InvocationRow;
      expect(record).toEqual(INVOCATION_COLUMNS.map((column) => csvText(row[column.name])));
    });
    expect(records.some((record) => record.includes(SEED_ERROR_MESSAGE))).toBe(true);
  });

  test('the Arrow file reads back the same rows, typed', async () => {
    const response = await get(`/runs/${seeded.completed}/invocations.arrow`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="${seeded.completed}-invocations.arrow"`);
    const table = tableFromIPC(new Uint8Array(await response.arrayBuffer()));
    const stored = await store.invocations(seeded.completed);
    expect(table.numRows).toBe(stored.length);
    expect(table.schema.fields.map((field) => field.name)).toEqual(INVOCATION_COLUMNS.map((column) => column.name));
    expect(String(table.schema.fields.find((field) => field.name === 'client_send')?.type)).toBe('Float64');
    expect(String(table.schema.fields.find((field) => field.name === 'seq')?.type)).toBe('Int32');
    expect(String(table.schema.fields.find((field) => field.name === 'cold')?.type)).toBe('Bool');
    for (let index = 0; index < stored.length; index++) {
      const row = stored[index] as InvocationRow;
      const read = table.get(index)?.toJSON() as Record<string, unknown>;
      const expected = Object.fromEntries(INVOCATION_COLUMNS.map((column) => [column.name, column.type === 'jsonb' && row[column.name] !== null ? JSON.stringify(row[column.name]) : row[column.name]]));
      expect(read).toEqual(expected);
    }
  });

  test('a run without invocations downloads as a header only, and an empty Arrow table', async () => {
    const csv = await get(`/runs/${seeded.failed}/invocations.csv`);
    expect(parseCsv(await csv.text())).toHaveLength(1);
    const arrow = tableFromIPC(new Uint8Array(await (await get(`/runs/${seeded.failed}/invocations.arrow`)).arrayBuffer()));
    expect(arrow.numRows).toBe(0);
    expect(arrow.numCols).toBe(INVOCATION_COLUMNS.length);
  });
});

describe('JSON API', () => {
  test('/api/runs lists with the same filters, and refuses bad ones with 400 and a message', async () => {
    const listed = (await (await get('/api/runs?status=failed')).json()) as { runs: { id: string; reason: string }[] };
    expect(listed.runs.map((run) => run.id)).toEqual([seeded.failed]);
    expect(listed.runs[0]?.reason).toBe(SEED_FAILURE_REASON);
    for (const [query, message] of [
      ['from=2026-02-30', /from: must be a day/],
      ['limit=0', /limit: /],
      ['limit=ten', /limit: must be a whole number/],
      ['colour=red', /unknown filter "colour"/],
      ['platform=heroku', /platform: /],
      ['from=2026-12-05&to=2026-12-01', /"from" must be before "to"/],
    ] as const) {
      const response = await get(`/api/runs?${query}`);
      expect(response.status, query).toBe(400);
      const body = (await response.json()) as { error: { type: string; message: string } };
      expect(body.error.type).toBe('InvalidRunFiltersError');
      expect(body.error.message).toMatch(message);
    }
  });

  test('/api/runs/:id gives the run, its summary, statistics and experiment rows', async () => {
    const body = (await (await get(`/api/runs/${seeded.completed}`)).json()) as {
      run: { id: string; status: string };
      summary: { function_name: string; invocations: number }[];
      stats: { total: { all: { counts: { invocations: number } } } };
      rows: Record<string, unknown[]>;
    };
    expect(body.run).toMatchObject({ id: seeded.completed, status: 'completed' });
    expect(body.summary.map((fn) => [fn.function_name, fn.invocations])).toEqual([
      ['function1', 21],
      ['function2', 20],
      ['function3', 1],
    ]);
    expect(body.stats.total.all.counts.invocations).toBe(seeded.invocations.length);
    expect(body.rows.idle_search).toHaveLength(2);
  });
});

describe('live updates', () => {
  test('/api/events sends the current runs, then the change when a run moves on', async () => {
    const controller = new AbortController();
    const response = await app.request('/api/events', { headers: { host: HOST }, signal: controller.signal });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    const readUntil = async (predicate: (text: string) => boolean) => {
      while (!predicate(text)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended: ${text}`);
        text += decoder.decode(value, { stream: true });
      }
    };
    const events = () => [...text.matchAll(/event: runs\ndata: (.*)\nid: (\d+)\n/g)].map((match) => ({ id: Number(match[2]), data: JSON.parse(match[1] as string) as { html: string; runs: { id: string; status: string }[] } }));
    await readUntil(() => events().length >= 1);
    expect(text.startsWith('retry: 2000\n\n')).toBe(true);
    const first = events()[0];
    expect(first?.data.runs.find((run) => run.id === seeded.running)?.status).toBe('running');
    expect(first?.data.html).toContain(`data-run-id="${seeded.running}"`);

    await store.setRunStatus(seeded.running, 'collecting');
    await readUntil(() => events().some((event) => event.data.runs.find((run) => run.id === seeded.running)?.status === 'collecting'));
    const changed = events().at(-1);
    expect(changed?.id).toBeGreaterThan(first?.id ?? 0);
    expect(changed?.data.html).toMatch(new RegExp(`data-run-id="${seeded.running}" data-status="collecting"`));
    await reader.cancel();
    controller.abort();
  });
});

describe('local-mode protections', () => {
  test('a request for another Host (DNS rebinding) is refused; localhost and 127.0.0.1 on the port are served', async () => {
    for (const host of ['evil.example', 'evil.example:7890', '127.0.0.1:80', '127.0.0.1']) {
      const response = await app.request('/api/runs', { headers: { host } });
      expect(response.status, host).toBe(403);
    }
    expect((await app.request('/', { headers: { host: 'LOCALHOST:7890' } })).status).toBe(200);
    expect((await get('/healthz')).status).toBe(200);
  });

  test('no CORS headers, a strict content security policy, and nothing cached but the static files', async () => {
    const response = await get('/api/runs', { origin: 'https://evil.example' });
    expect(response.status).toBe(200);
    expect([...response.headers.keys()].filter((name) => name.startsWith('access-control-'))).toEqual([]);
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(response.headers.get('content-security-policy')).toContain("connect-src 'self'");
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('cache-control')).toBe('no-store');
    const script = await get('/static/live.js');
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(script.headers.get('cache-control')).toBe('no-cache');
    expect((await get('/static/..%2Fapp.ts')).status).toBe(404);
    expect((await get('/static/nothing.css')).status).toBe(404);
  });

  test('every page and API route refuses methods that would change something', async () => {
    for (const path of ['/', '/runs', `/runs/${seeded.completed}`, '/api/runs', `/runs/${seeded.completed}/invocations.csv`]) {
      const response = await app.request(path, { method: 'POST', headers: { host: HOST } });
      expect(response.status, path).toBe(404);
    }
    expect((await store.getRun(seeded.completed))?.status).toBe('completed');
  });
});
