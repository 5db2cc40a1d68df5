import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CpuPacer, type PacingSignal } from './cpu-pacer';
import { ProcessCpuTimeUnavailableError, readThreadCpuMs } from './process-cpu-time';

/**
 * A process on a simulated clock: while it is busy and not stopped, its CPU time grows with the
 * wall time; the pacer's signals stop and continue it.
 */
class SimulatedProcess {
  private busy = true;
  stopped = false;
  exited = false;
  readonly signals: PacingSignal[] = [];
  private cpuMs = 0;
  private lastMs = 0;

  readCpuMs = (): number => {
    if (this.exited) throw new ProcessCpuTimeUnavailableError('gone');
    this.advance();
    return this.cpuMs;
  };

  sendSignal = (_pid: number, signal: PacingSignal): void => {
    if (this.exited) throw new Error('ESRCH');
    this.advance();
    this.signals.push(signal);
    this.stopped = signal === 'SIGSTOP';
  };

  /** Start or stop working, from the fake clock's now. */
  setBusy(busy: boolean): void {
    this.advance();
    this.busy = busy;
  }

  /** CPU time used so far, up to the fake clock's now. */
  cpuTimeMs(): number {
    this.advance();
    return this.cpuMs;
  }

  private advance(): void {
    const now = Date.now();
    if (this.busy && !this.stopped) this.cpuMs += now - this.lastMs;
    this.lastMs = now;
  }
}

function pacedSimulation(cpuShare: number, active = () => true) {
  const child = new SimulatedProcess();
  const pacer = new CpuPacer({ pid: 1, cpuShare, isActive: active, readCpuMs: child.readCpuMs, sendSignal: child.sendSignal, nowMs: () => Date.now() });
  return { child, pacer };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('Class: CpuPacer (simulated process and clock)', () => {
  it.each([0.1, 0.25, 0.5, 0.75])('holds a busy process to a share of %f of a core, stopping and continuing it in turn', (cpuShare) => {
    vi.useFakeTimers({ now: 0 });
    const { child, pacer } = pacedSimulation(cpuShare);
    vi.advanceTimersByTime(10_000);
    expect(Math.abs(child.cpuTimeMs() / 10_000 - cpuShare)).toBeLessThan(0.01);
    expect(pacer.pauses).toBeGreaterThan(100);
    expect(Math.abs(pacer.pausedMs / 10_000 - (1 - cpuShare))).toBeLessThan(0.01);
    // Signals alternate, starting with a stop.
    expect(child.signals.slice(0, 4)).toEqual(['SIGSTOP', 'SIGCONT', 'SIGSTOP', 'SIGCONT']);
    pacer.dispose();
  });

  it('never stops a process that stays within its share', () => {
    vi.useFakeTimers({ now: 0 });
    const { child, pacer } = pacedSimulation(0.5, () => false);
    child.setBusy(false);
    vi.advanceTimersByTime(5_000);
    expect(child.signals).toEqual([]);
    expect(pacer.pauses).toBe(0);
    pacer.dispose();
  });

  it('continues a stopped process when disposed, and sends nothing after', () => {
    vi.useFakeTimers({ now: 0 });
    const { child, pacer } = pacedSimulation(0.25);
    // First look at 5 ms: 5 ms used, 1.25 earned, in debt; stopped until 12 ms.
    vi.advanceTimersByTime(8);
    expect(pacer.isPaused).toBe(true);
    pacer.dispose();
    expect(child.stopped).toBe(false);
    expect(child.signals.at(-1)).toBe('SIGCONT');
    const sent = child.signals.length;
    vi.advanceTimersByTime(1_000);
    pacer.dispose();
    expect(child.signals).toHaveLength(sent);
  });

  it('looks at once when woken, instead of at its idle interval', () => {
    vi.useFakeTimers({ now: 0 });
    let active = false;
    const { child, pacer } = pacedSimulation(0.5, () => active);
    child.setBusy(false);
    vi.advanceTimersByTime(10); // now idle: the next look is 100 ms away
    child.setBusy(true);
    active = true;
    pacer.wake();
    vi.advanceTimersByTime(10);
    // Without the wake it would have run unchecked until the idle look, 80 ms later.
    expect(pacer.isPaused || child.signals.length > 0).toBe(true);
    expect(child.cpuTimeMs()).toBeLessThan(10);
    pacer.dispose();
  });

  it('ends quietly when the process is gone', () => {
    vi.useFakeTimers({ now: 0 });
    const { child, pacer } = pacedSimulation(0.25);
    child.exited = true;
    expect(() => vi.advanceTimersByTime(1_000)).not.toThrow();
    expect(vi.getTimerCount()).toBe(0);
    pacer.dispose();
  });

  it('refuses a share outside (0, 1)', () => {
    for (const cpuShare of [0, 1, -0.5, 1.5, Number.NaN]) {
      expect(() => new CpuPacer({ pid: 1, cpuShare, isActive: () => true, readCpuMs: () => 0, sendSignal: () => undefined })).toThrow(RangeError);
    }
  });
});

describe('Class: CpuPacer (a real process)', () => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
  });

  /** A node process that spins for `spinMs` of wall time and prints the CPU time it used. */
  function spinner(spinMs: number): { child: ChildProcess; cpuMs: Promise<number> } {
    const script = `const s=performance.now(),c=process.cpuUsage();let x=0;while(performance.now()-s<${spinMs})x+=Math.random();const u=process.cpuUsage(c);console.log((u.user+u.system)/1000)`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(child);
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    return { child, cpuMs: new Promise((resolve) => child.once('exit', () => resolve(Number(out)))) };
  }

  it('holds a spinning process near its share, as the process’s own CPU time measures it', async () => {
    const spinMs = 1500;
    const cpuShare = 0.3;
    const { child, cpuMs } = spinner(spinMs);
    const pacer = new CpuPacer({ pid: child.pid as number, cpuShare, isActive: () => true });
    const used = await cpuMs;
    pacer.dispose();
    // Never more than its share (give or take the pacer's burst and lag); less only if the shared
    // machine gave it less (the ground truth holds the figure to 10 % on a quiet machine).
    expect(used / spinMs).toBeLessThan(cpuShare * 1.3);
    expect(used / spinMs).toBeGreaterThan(cpuShare * 0.3);
    expect(pacer.pauses).toBeGreaterThan(10);
  }, 20_000);

  it('leaves the process running when disposed while it is stopped', async () => {
    const { child, cpuMs } = spinner(3000);
    const pid = child.pid as number;
    const pacer = new CpuPacer({ pid, cpuShare: 0.1, isActive: () => true });
    await vi.waitFor(() => expect(pacer.isPaused).toBe(true), { timeout: 5_000, interval: 1 });
    pacer.dispose();
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
    expect(state).not.toBe('T');
    // And it goes on working: its CPU time grows, with nothing left to pause it.
    const before = readThreadCpuMs(pid);
    await vi.waitFor(() => expect(readThreadCpuMs(pid) - before).toBeGreaterThan(30), { timeout: 2_500, interval: 5 });
    expect(pacer.isPaused).toBe(false);
    child.kill('SIGKILL');
    await cpuMs;
  }, 20_000);
});
