import { describe, expect, it } from 'vitest';
import { CpuBudget, nextPacingStep } from './cpu-budget';

const intervals = { activeCheckMs: 5, idleCheckMs: 100 };

describe('Class: CpuBudget', () => {
  it('starts with the burst, earns the share of wall time and spends the CPU time used', () => {
    const budget = new CpuBudget(0.25, 2, 1000, 50);
    expect(budget.balanceMs).toBe(2);
    // 8 ms of wall earn 2 ms; 6 ms of CPU are spent: 2 + 2 − 6.
    expect(budget.update(1008, 56, false)).toBe(-2);
    // Paused for 8 ms: 2 ms earned, nothing used.
    expect(budget.update(1016, 56, true)).toBe(0);
  });

  it('banks no more than the burst while idle, however long the idle time', () => {
    const budget = new CpuBudget(0.5, 2, 0, 0);
    expect(budget.update(10_000, 0.5, false)).toBe(2);
    expect(budget.update(20_000, 0.5, false)).toBe(2);
    // The next busy stretch starts from the burst, not from 5 s of idle earnings.
    expect(budget.update(20_010, 10.5, false)).toBe(-3);
  });

  it('keeps what a pause earned beyond the burst, so a late resume is paid back by the next run', () => {
    const budget = new CpuBudget(0.5, 2, 0, 0);
    budget.update(10, 10, false); // 2 + 5 − 10 = −3
    // The resume was due after 6 ms; the timer fired after 16: 8 ms earned, 5 beyond zero.
    expect(budget.update(26, 10, true)).toBe(5);
    // Running flat out for 4 ms spends 4 and earns 2: the banked 5 is not cut to the burst first.
    expect(budget.update(30, 14, false)).toBe(3);
  });

  it('holds a process that is always busy to its share over many pause and run cycles', () => {
    for (const cpuShare of [0.1, 0.25, 0.5, 0.9]) {
      const budget = new CpuBudget(cpuShare, 2, 0, 0);
      let wallMs = 0;
      let cpuMs = 0;
      let paused = false;
      // Simulate the pacer's loop with timers that fire up to 3 ms late.
      for (let step = 0; wallMs < 10_000; step++) {
        const { paused: pause, nextCheckMs } = nextPacingStep(budget.balanceMs, cpuShare, true, intervals);
        paused = pause;
        const elapsedMs = nextCheckMs + (step % 4);
        wallMs += elapsedMs;
        if (!paused) cpuMs += elapsedMs;
        budget.update(wallMs, cpuMs, paused);
      }
      expect(Math.abs(cpuMs / wallMs - cpuShare)).toBeLessThan(0.01);
    }
  });
});

describe('Function: nextPacingStep', () => {
  it('pauses a process in debt until the share has paid the debt back', () => {
    expect(nextPacingStep(-3, 0.25, true, intervals)).toEqual({ paused: true, nextCheckMs: 12 });
    expect(nextPacingStep(-0.001, 0.5, false, intervals)).toEqual({ paused: true, nextCheckMs: 1 });
  });

  it('looks at a working process no later than when running flat out would spend its balance', () => {
    expect(nextPacingStep(1.5, 0.5, true, intervals)).toEqual({ paused: false, nextCheckMs: 3 });
    expect(nextPacingStep(2, 0.9, true, intervals)).toEqual({ paused: false, nextCheckMs: 5 });
    expect(nextPacingStep(0, 0.5, true, intervals)).toEqual({ paused: false, nextCheckMs: 1 });
  });

  it('looks at an idle process only at the idle interval', () => {
    expect(nextPacingStep(2, 0.5, false, intervals)).toEqual({ paused: false, nextCheckMs: 100 });
  });
});
