/** Tests of the `fb schedules` listing for a fixed clock: next cron times in UTC and on the zone's clock, periods for rates, none when paused. */
import { describe, expect, it } from 'vitest';
import { listSchedules, wallClock } from './schedule-listing';
import { loadSchedules } from './schedules';

const NOW = new Date('2025-01-01T00:00:00Z');

describe.concurrent('Function: listSchedules', () => {
  it('gives a cron its next time, a rate its period, and a paused schedule neither time', () => {
    const base = { experiment: 'dev-experiment', platforms: ['local'], enabled: true };
    const schedules = loadSchedules(
      [
        { ...base, name: 'nightly', expression: 'cron(0 3 * * ? *)', timezone: 'Europe/Copenhagen' },
        { ...base, name: 'often', expression: 'rate(5 seconds)' },
        { ...base, name: 'paused', expression: 'cron(0 3 * * ? *)', enabled: false },
      ],
      { target: 'local', source: 'test' },
    );
    expect(listSchedules(schedules, 'local', NOW)).toEqual([
      { name: 'nightly', experiment: 'dev-experiment', platforms: ['local'], expression: 'cron(0 3 * * ? *)', timezone: 'Europe/Copenhagen', enabled: true, nextFireAt: '2025-01-01T02:00:00.000Z', nextFireLocal: '2025-01-01 03:00 GMT+1', every: null },
      { name: 'often', experiment: 'dev-experiment', platforms: ['local'], expression: 'rate(5 seconds)', timezone: 'UTC', enabled: true, nextFireAt: null, nextFireLocal: null, every: '5 seconds' },
      { name: 'paused', experiment: 'dev-experiment', platforms: ['local'], expression: 'cron(0 3 * * ? *)', timezone: 'UTC', enabled: false, nextFireAt: null, nextFireLocal: null, every: null },
    ]);
  });

  it('shows a time on the zone clock, summer time included', () => {
    expect(wallClock(new Date('2025-07-01T01:00:00Z'), 'Europe/Copenhagen')).toBe('2025-07-01 03:00 GMT+2');
    expect(wallClock(new Date('2025-01-01T02:00:00Z'), 'America/New_York')).toBe('2024-12-31 21:00 EST');
  });
});
