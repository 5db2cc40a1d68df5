import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ProgressSnapshot } from './progress';
import { ProgressDisplay } from './progress-display';

/** The escape that starts every ANSI control sequence. */
const ESC = '\x1b';

const snapshot = (running: string[], done = 0): ProgressSnapshot => ({
  total: 3,
  completed: done,
  failed: 0,
  notStarted: 0,
  waiting: 3 - done - running.length,
  running: running.map((experiment) => ({ experiment, elapsedMs: 1000, expectedMs: 2000, calls: 5 })),
  calls: 5 * running.length,
  elapsedMs: 1000,
  etaMs: 2000,
});

function stream(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, isTTY, columns: 200, write: (text: string) => writes.push(text) };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('Class: ProgressDisplay', () => {
  it('on a terminal redraws its block in place: up over the lines it drew, erase, draw again', () => {
    vi.useFakeTimers();
    const out = stream(true);
    let state = snapshot(['a', 'b']);
    const display = new ProgressDisplay({ stream: out, snapshot: () => state, redrawIntervalMs: 100 });
    display.start();
    expect(out.writes[0]).not.toContain(ESC);
    expect(out.writes[0]?.split('\n')).toHaveLength(4); // summary, a, b, and the final newline
    state = snapshot(['b'], 1);
    vi.advanceTimersByTime(100);
    // Three lines were on screen: go up three, erase, draw the two lines of now.
    expect(out.writes[1]?.startsWith(`${ESC}[3F${ESC}[0J1/3 done, 1 running`)).toBe(true);
    display.event('✓ a completed');
    // The event replaces the block and stays; the block is drawn again below it.
    expect(out.writes[2]).toBe(`${ESC}[2F${ESC}[0J✓ a completed\n`);
    expect(out.writes[3]).toMatch(/^1\/3 done, 1 running/);
    display.stop();
    vi.advanceTimersByTime(1000);
    expect(out.writes).toHaveLength(5);
  });

  it('elsewhere prints plain lines: events as they come, the summary every interval, never a control sequence', () => {
    vi.useFakeTimers();
    const out = stream(false);
    const display = new ProgressDisplay({ stream: out, snapshot: () => snapshot(['a']), plainIntervalMs: 10_000 });
    display.start();
    display.event('▸ a started');
    vi.advanceTimersByTime(25_000);
    display.stop();
    expect(out.writes.join('')).not.toContain(ESC);
    expect(out.writes).toEqual([
      '0/3 done, 1 running, 2 waiting · 5 calls · 1.0s elapsed · ETA 2.0s\n',
      '▸ a started\n',
      '0/3 done, 1 running, 2 waiting · 5 calls · 1.0s elapsed · ETA 2.0s\n',
      '0/3 done, 1 running, 2 waiting · 5 calls · 1.0s elapsed · ETA 2.0s\n',
      '0/3 done, 1 running, 2 waiting · 5 calls · 1.0s elapsed · ETA 2.0s\n',
    ]);
  });

  it('cuts lines to the terminal’s width so a redraw goes up exactly the lines it drew', () => {
    const out = { ...stream(true), columns: 20 };
    const display = new ProgressDisplay({ stream: out, snapshot: () => snapshot(['a-very-long-experiment-name']) });
    display.start();
    display.stop();
    for (const line of (out.writes[0] ?? '').split('\n')) expect(line.length).toBeLessThan(20);
  });
});
