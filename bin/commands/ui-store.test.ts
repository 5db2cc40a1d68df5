/**
 * CliStoreReader's policy with stand-in stores: a client connection lives only while reads are in
 * flight, a hosted store is kept until it has been idle, a broken connection is retried once, and
 * close waits for the stores to close.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, test } from 'vitest';
import type { ResultsStore } from '../../lib/results/store';
import { CliStoreReader, isConnectionError, type OpenedStore } from './ui-store';

/** Opens numbered stand-in stores; each counts its reads and knows whether it was closed. */
function opener(holdable: boolean, failFirstReadWith?: Error) {
  const opened: { id: number; closed: boolean; reads: number }[] = [];
  const open = async (): Promise<OpenedStore> => {
    const record = { id: opened.length + 1, closed: false, reads: 0 };
    opened.push(record);
    await sleep(5);
    const store = {
      listRuns: async () => {
        record.reads++;
        if (failFirstReadWith && record.id === 1) throw failFirstReadWith;
        await sleep(20);
        return [];
      },
      close: async () => {
        record.closed = true;
      },
    } as unknown as ResultsStore;
    return { store, holdable };
  };
  return { open, opened };
}

const socketError = () => Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' });

describe('CliStoreReader', () => {
  test('as a client it shares one connection among concurrent reads and closes it when none is in flight', async () => {
    const { open, opened } = opener(false);
    const reader = new CliStoreReader(open, 60_000);
    await Promise.all([1, 2, 3].map(() => reader.read((store) => store.listRuns())));
    expect(opened.map((store) => [store.reads, store.closed])).toEqual([[3, true]]);
    await reader.read((store) => store.listRuns());
    expect(opened.map((store) => [store.reads, store.closed])).toEqual([
      [3, true],
      [1, true],
    ]);
    await reader.close();
  });

  test('as the host it keeps the store between reads and closes it once idle', async () => {
    const { open, opened } = opener(true);
    const reader = new CliStoreReader(open, 80);
    await reader.read((store) => store.listRuns());
    await reader.read((store) => store.listRuns());
    expect(opened.map((store) => [store.reads, store.closed])).toEqual([[2, false]]);
    await sleep(200);
    expect(opened[0]?.closed).toBe(true);
    await reader.read((store) => store.listRuns());
    expect(opened).toHaveLength(2);
    await reader.close();
    expect(opened[1]?.closed).toBe(true);
  });

  test('a read whose client connection breaks is retried once on a new connection; other errors are not', async () => {
    const broken = opener(false, socketError());
    const reader = new CliStoreReader(broken.open, 60_000);
    expect(await reader.read((store) => store.listRuns())).toEqual([]);
    expect(broken.opened.map((store) => [store.reads, store.closed])).toEqual([
      [1, true],
      [1, true],
    ]);
    const refused = opener(false, new Error('no run x'));
    const strict = new CliStoreReader(refused.open, 60_000);
    await expect(strict.read((store) => store.listRuns())).rejects.toThrow('no run x');
    expect(refused.opened).toHaveLength(1);
    await Promise.all([reader.close(), strict.close()]);
  });

  test('a store that cannot be opened fails the read, and the next read tries again', async () => {
    let attempts = 0;
    const reader = new CliStoreReader(async () => {
      attempts++;
      throw new Error('host busy');
    }, 60_000);
    await expect(reader.read((store) => store.listRuns())).rejects.toThrow('host busy');
    await expect(reader.read((store) => store.listRuns())).rejects.toThrow('host busy');
    expect(attempts).toBe(2);
    await reader.close();
  });

  test('isConnectionError looks at the error and its causes', () => {
    expect(isConnectionError(socketError())).toBe(true);
    expect(isConnectionError(new Error('fetch failed', { cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }) }))).toBe(true);
    expect(isConnectionError(new Error('no run x'))).toBe(false);
    expect(isConnectionError('ECONNRESET')).toBe(false);
  });
});
