import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ResultsTail } from './results-tail';

const dir = mkdtempSync(join(tmpdir(), 'fb-results-tail-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const row = (level: number, extra: Record<string, unknown> = {}) => `${JSON.stringify({ i: { run_id: 'r', seq: 0, level, ...extra } })}\n`;

describe('Class: ResultsTail', () => {
  it('counts level-0 invocation rows as they are appended, never nested records or experiment rows', async () => {
    const path = join(dir, 'a.results.ndjson');
    const tail = new ResultsTail(path);
    await expect(tail.read()).resolves.toBe(0); // no file yet
    appendFileSync(path, `${row(0)}${row(1)}${row(2)}${JSON.stringify({ e: { table_name: 't', data: {} } })}\n`);
    await expect(tail.read()).resolves.toBe(1);
    appendFileSync(path, row(0) + row(0, { status: 'throttled' }));
    await expect(tail.read()).resolves.toBe(3);
    await expect(tail.read()).resolves.toBe(3);
  });

  it('waits for a torn last line, and a character split between two reads, to be whole', async () => {
    const path = join(dir, 'b.results.ndjson');
    const tail = new ResultsTail(path);
    const line = Buffer.from(row(0, { error_message: 'ünïcødé ✓' }));
    const cut = line.indexOf(Buffer.from('✓')) + 1; // inside the three bytes of ✓
    appendFileSync(path, line.subarray(0, cut));
    await expect(tail.read()).resolves.toBe(0);
    appendFileSync(path, line.subarray(cut));
    await expect(tail.read()).resolves.toBe(1);
  });

  it('counts each byte once when reads overlap', async () => {
    const path = join(dir, 'c.results.ndjson');
    appendFileSync(path, row(0).repeat(50));
    const tail = new ResultsTail(path);
    const counts = await Promise.all([tail.read(), tail.read(), tail.read()]);
    expect(counts).toEqual([50, 50, 50]);
    expect(tail.calls).toBe(50);
  });
});
