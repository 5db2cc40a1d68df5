/**
 * Tests of the local schedules with a fake `startExecution`: a `rate(1 second)` schedule fires
 * with the deployed target's input and distinct `<schedule>-<time>` names, a disabled one never
 * fires, stop() stops, a failed start is reported and the schedule goes on, and a cron schedule's
 * next times for a fixed clock are EventBridge's, in its time zone and with `?`, `L` and `#`.
 * Real timers, with bounds many times the periods.
 */
import { describe, expect, it } from 'vitest';
import { loadSchedules, type ScheduleConfig, scheduleRunInput } from '../../lib/config/schedules';
import { ScheduleExpressionError } from '../../lib/config/schedule-expression';
import type { RunInput } from '../../lib/control-plane/run-input';
import { executionTimestamp, startLocalSchedules } from './local-scheduler';

/** Generous: the schedules under test fire every second. */
const BOUND_MS = 15_000;

function schedules(entries: Record<string, unknown>[]): ScheduleConfig[] {
  const base = { experiment: 'dev-experiment', platforms: ['local'], enabled: true };
  return loadSchedules(
    entries.map((entry) => ({ ...base, ...entry })),
    { target: 'local', source: 'test' },
  );
}

/** A fake startExecution that records its calls. */
function recorder(fail = false) {
  const calls: { input: RunInput; name: string }[] = [];
  return {
    calls,
    startExecution: async (input: RunInput, name: string) => {
      calls.push({ input, name });
      if (fail) throw new Error(`refused ${name}`);
      return `arn:aws:states:eu-west-1:123456789012:execution:local:${name}`;
    },
  };
}

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + BOUND_MS;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not within ${BOUND_MS} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.concurrent('Function: startLocalSchedules — firing', () => {
  it('fires a rate(1 second) schedule repeatedly with the deployed input, and never a disabled one', async () => {
    const [every, paused] = schedules([
      { name: 'every-second', expression: 'rate(1 second)', params: { matrixSize: 10 }, quick: true },
      { name: 'paused', expression: 'rate(1 second)', enabled: false },
    ]);
    if (!every || !paused) throw new Error('schedules missing');
    const { calls, startExecution } = recorder();
    const fires: string[] = [];
    const running = startLocalSchedules([every, paused], { startExecution, onFire: (fire) => fires.push(fire.executionArn) });
    try {
      await waitFor(() => fires.length >= 2, 'two fires');
    } finally {
      running.stop();
    }
    expect(calls.every((call) => call.name.startsWith('every-second-'))).toBe(true);
    for (const call of calls) expect(call.input).toEqual(scheduleRunInput(every));
    expect(calls[0]?.input).toEqual({ experiment: 'dev-experiment', platforms: ['local'], params: { matrixSize: 10 }, quick: true });
    expect(new Set(calls.map((call) => call.name)).size).toBe(calls.length);
    expect(calls[0]?.name).toMatch(/^every-second-\d{8}T\d{6}Z$/);
    expect(fires[0]).toBe(`arn:aws:states:eu-west-1:123456789012:execution:local:${calls[0]?.name}`);
  });

  it('fires no more after stop()', async () => {
    const { calls, startExecution } = recorder();
    const running = startLocalSchedules(schedules([{ name: 'stopped', expression: 'rate(1 second)' }]), { startExecution });
    await waitFor(() => calls.length >= 1, 'the first fire');
    running.stop();
    const fired = calls.length;
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(calls.length).toBe(fired);
    expect(running.upcoming()).toEqual([{ name: 'stopped', nextFireAt: null }]);
  });

  it('reports a failed start and keeps firing', async () => {
    const { calls, startExecution } = recorder(true);
    const errors: string[] = [];
    const running = startLocalSchedules(schedules([{ name: 'refused', expression: 'rate(1 second)' }]), {
      startExecution,
      onError: (error, schedule) => errors.push(`${schedule}: ${error instanceof Error ? error.message : String(error)}`),
    });
    try {
      await waitFor(() => errors.length >= 2, 'two reported failures');
    } finally {
      running.stop();
    }
    expect(errors[0]).toBe(`refused: refused ${calls[0]?.name}`);
  });
});

describe.concurrent('Function: startLocalSchedules — next fire times', () => {
  const NOW = new Date('2025-01-01T00:00:00Z');

  it('gives each schedule its next time for a fixed clock: UTC, a time zone, ?, L and #; none when disabled', () => {
    const { startExecution } = recorder();
    const running = startLocalSchedules(
      schedules([
        { name: 'utc-noon', expression: 'cron(0 12 * * ? *)' },
        { name: 'copenhagen-three', expression: 'cron(0 3 * * ? *)', timezone: 'Europe/Copenhagen' },
        { name: 'weekdays', expression: 'cron(0 18 ? * MON-FRI *)' },
        { name: 'last-day', expression: 'cron(0 12 L * ? *)' },
        { name: 'last-friday', expression: 'cron(15 10 ? * 6L *)' },
        { name: 'first-monday', expression: 'cron(0 9 ? * 2#1 *)' },
        { name: 'weekly', expression: 'rate(7 days)' },
        { name: 'off', expression: 'cron(0 12 * * ? *)', enabled: false },
      ]),
      { startExecution, now: () => NOW },
    );
    try {
      expect(running.upcoming().map(({ name, nextFireAt }) => [name, nextFireAt?.toISOString() ?? null])).toEqual([
        ['utc-noon', '2025-01-01T12:00:00.000Z'],
        ['copenhagen-three', '2025-01-01T02:00:00.000Z'],
        ['weekdays', '2025-01-01T18:00:00.000Z'],
        ['last-day', '2025-01-31T12:00:00.000Z'],
        ['last-friday', '2025-01-31T10:15:00.000Z'],
        ['first-monday', '2025-01-06T09:00:00.000Z'],
        // A rate schedule fires when it starts, like a newly created Scheduler schedule.
        ['weekly', '2025-01-01T00:00:00.000Z'],
        ['off', null],
      ]);
    } finally {
      running.stop();
    }
  });

  it('refuses an expression that is not valid for fb serve', () => {
    const [schedule] = schedules([{ name: 'bad', expression: 'rate(1 second)' }]);
    if (!schedule) throw new Error('schedule missing');
    expect(() => startLocalSchedules([{ ...schedule, expression: 'rate(1 seconds)' }], recorder())).toThrow(ScheduleExpressionError);
  });

  it('names executions by the UTC time they were due', () => {
    expect(executionTimestamp(new Date('2025-01-01T02:00:00.250Z'))).toBe('20250101T020000Z');
  });
});
