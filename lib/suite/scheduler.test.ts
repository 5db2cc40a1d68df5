import { describe, expect, it } from 'vitest';
import { InvalidParallelismError, runBounded } from './scheduler';

/** A job the test finishes by hand: `finish(value)` or `fail(error)`. */
function controlled() {
  const jobs = new Map<number, { finish: (value: string) => void; fail: (error: Error) => void }>();
  const run = (_job: string, index: number) =>
    new Promise<string>((resolve, reject) => {
      jobs.set(index, { finish: resolve, fail: reject });
    });
  return { jobs, run };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('Function: runBounded', () => {
  it('never runs more than `parallel` at once, starts the next as one ends, and keeps the jobs’ order', async () => {
    const { jobs, run } = controlled();
    const started: number[] = [];
    let running = 0;
    let most = 0;
    const done = runBounded({
      jobs: ['a', 'b', 'c', 'd', 'e'],
      parallel: 2,
      run: (job, index) => {
        running += 1;
        most = Math.max(most, running);
        return run(job, index).finally(() => {
          running -= 1;
        });
      },
      onError: () => 'error',
      notStarted: () => 'not started',
      onStart: (index) => started.push(index),
    });
    await tick();
    expect(started).toEqual([0, 1]);
    jobs.get(1)?.finish('B');
    await tick();
    expect(started).toEqual([0, 1, 2]);
    jobs.get(0)?.finish('A');
    await tick();
    jobs.get(2)?.finish('C');
    jobs.get(3)?.finish('D');
    await tick();
    jobs.get(4)?.finish('E');
    await expect(done).resolves.toEqual(['A', 'B', 'C', 'D', 'E']);
    expect(most).toBe(2);
  });

  it('turns a job that throws into its onError outcome and goes on with the others', async () => {
    const outcomes = await runBounded({
      jobs: [1, 2, 3],
      parallel: 1,
      run: async (job) => {
        if (job === 2) throw new RangeError('bad job');
        return `ok ${job}`;
      },
      onError: (job, _index, error) => `failed ${job}: ${(error as Error).name}`,
      notStarted: () => 'not started',
    });
    expect(outcomes).toEqual(['ok 1', 'failed 2: RangeError', 'ok 3']);
  });

  it('after an abort starts nothing more, lets the running jobs end as they will, and names the rest not started', async () => {
    const { jobs, run } = controlled();
    const controller = new AbortController();
    const seen: AbortSignal[] = [];
    const done = runBounded({
      jobs: ['a', 'b', 'c', 'd'],
      parallel: 2,
      signal: controller.signal,
      run: (job, index, signal) => {
        seen.push(signal);
        return run(job, index);
      },
      onError: () => 'error',
      notStarted: (job) => `${job} not started`,
    });
    await tick();
    controller.abort();
    expect(seen.every((signal) => signal.aborted)).toBe(true);
    jobs.get(0)?.finish('a aborted');
    jobs.get(1)?.finish('b aborted');
    await expect(done).resolves.toEqual(['a aborted', 'b aborted', 'c not started', 'd not started']);
    expect([...jobs.keys()]).toEqual([0, 1]);
  });

  it('with more slots than jobs runs them all at once, and with none answers at once', async () => {
    await expect(runBounded({ jobs: ['a', 'b'], parallel: 8, run: async (job) => job, onError: () => 'e', notStarted: () => 'n' })).resolves.toEqual(['a', 'b']);
    await expect(runBounded({ jobs: [], parallel: 2, run: async () => 'x', onError: () => 'e', notStarted: () => 'n' })).resolves.toEqual([]);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses parallel %d', async (parallel) => {
    await expect(runBounded({ jobs: ['a'], parallel, run: async () => 'x', onError: () => 'e', notStarted: () => 'n' })).rejects.toThrow(InvalidParallelismError);
  });
});
