import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ProgressSnapshot } from './progress';
import { ProgressDisplay } from './progress-display';
import { RunProgress, runProgressView } from './run-progress';

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
    // Summary, the bar (1 s spent, 2 s to go: a third), a, b, and the final newline.
    expect(out.writes[0]?.split('\n')).toHaveLength(5);
    expect(out.writes[0]?.split('\n')[1]).toMatch(/^ {2}\[█+░+\] {2}33%$/);
    state = snapshot(['b'], 1);
    vi.advanceTimersByTime(100);
    // Four lines were on screen: go up four, erase, draw the three lines of now.
    expect(out.writes[1]?.startsWith(`${ESC}[4F${ESC}[0J1/3 done, 1 running`)).toBe(true);
    display.event('✓ a completed');
    // The event replaces the block and stays; the block is drawn again below it.
    expect(out.writes[2]).toBe(`${ESC}[3F${ESC}[0J✓ a completed\n`);
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

  it("shows one run's view on a terminal: a bar and an ETA redrawn in place on one line, phases above it", () => {
    vi.useFakeTimers();
    const out = stream(true);
    const progress = new RunProgress({ experiment: 'coldstart-identifier', expectedMs: 30_000 }, () => Date.now());
    const display = new ProgressDisplay({ stream: out, view: runProgressView(progress), redrawIntervalMs: 500 });
    display.start();
    expect(out.writes[0]).toBe('coldstart-identifier preparing  [░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░]   0%  0.0s elapsed · 0 calls · ETA 30.0s\n');
    vi.advanceTimersByTime(1_000);
    progress.setPhase('running');
    progress.setCalls(17);
    display.event('coldstart-identifier: running after 1.0s');
    vi.advanceTimersByTime(11_000);
    const last = out.writes.at(-1) ?? '';
    // Up over the one line drawn, erase, draw it again.
    expect(last.startsWith(`${ESC}[1F${ESC}[0Jcoldstart-identifier running  [`)).toBe(true);
    expect(last).toMatch(/\[█{12}░{18}\] {2}40% {2}12\.0s elapsed · 17 calls · ETA 18\.0s\n$/);
    expect(out.writes).toContain(`${ESC}[1F${ESC}[0Jcoldstart-identifier: running after 1.0s\n`);
    progress.setPhase('completed');
    display.stop();
    expect(out.writes.at(-1)).toMatch(/\[█{30}\] 100% {2}12\.0s elapsed · 17 calls · done\n$/);
  });

  it("shows one run's view elsewhere as plain lines: phases as they come and its progress every interval, no escape code", () => {
    vi.useFakeTimers();
    const out = stream(false);
    const progress = new RunProgress({ experiment: 'linear-invocation', expectedMs: 20_000, expectedCalls: 400 }, () => Date.now());
    const display = new ProgressDisplay({ stream: out, view: runProgressView(progress), plainIntervalMs: 10_000 });
    display.start();
    progress.setPhase('running');
    display.event('linear-invocation: running after 0.0s');
    progress.setCalls(150);
    vi.advanceTimersByTime(10_000);
    progress.setCalls(380);
    vi.advanceTimersByTime(15_000);
    progress.setPhase('completed');
    display.event('linear-invocation: completed after 25s');
    display.stop();
    expect(out.writes.join('')).not.toContain(ESC);
    expect(out.writes).toEqual([
      'linear-invocation: preparing · 0% · 0.0s elapsed · 0/~400 calls · ETA 20.0s\n',
      'linear-invocation: running after 0.0s\n',
      'linear-invocation: running · 50% · 10.0s elapsed · 150/~400 calls · ETA 10.0s\n',
      'linear-invocation: running · 99% · 20.0s elapsed · 380/~400 calls · ETA 0.0s\n',
      'linear-invocation: completed after 25s\n',
      'linear-invocation: completed · 25.0s elapsed · 380/~400 calls · done\n',
    ]);
  });
});
