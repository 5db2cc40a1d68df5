/**
 * Tests of the schedule config: the checked-in list is valid and names known experiments, the
 * documented example shapes pass, and every kind of mistake fails with a message naming the entry
 * and the field.
 */
import { describe, expect, it } from 'vitest';
import { listExperiments } from '../experiment/registry';
import { loadSchedules, SCHEDULES, ScheduleConfigError, scheduleRunInput } from './schedules';

const VALID = {
  name: 'nightly-coldstart',
  experiment: 'coldstart-identifier',
  platforms: ['local'],
  expression: 'cron(0 3 * * ? *)',
  enabled: true,
};

describe('Function: loadSchedules', () => {
  it('accepts the checked-in schedules, each naming an experiment of experiments/', async () => {
    const schedules = loadSchedules(SCHEDULES);
    const known = listExperiments().map((experiment) => experiment.name);
    for (const schedule of schedules) expect(known, `schedule ${schedule.name}`).toContain(schedule.experiment);
  });

  it('is empty by default: nothing runs unless configured', () => {
    expect(loadSchedules()).toEqual([]);
  });

  it('fills in params and quick, and keeps the optional fields given', () => {
    const [schedule] = loadSchedules([
      { ...VALID, timezone: 'Europe/Copenhagen', description: 'nightly' },
      { ...VALID, name: 'weekly', params: { concurrency: [2, 4] }, quick: true, expression: 'rate(7 days)', enabled: false },
    ]);
    expect(schedule).toEqual({ ...VALID, params: {}, quick: false, timezone: 'Europe/Copenhagen', description: 'nightly' });
  });

  it.each(['cron(0 3 * * ? *)', 'cron(0/15 8-17 ? * MON-FRI *)', 'rate(1 day)', 'rate(5 minutes)', 'rate(2 hours)'])('accepts the expression %s', (expression) => {
    expect(loadSchedules([{ ...VALID, expression }])[0]?.expression).toBe(expression);
  });

  it.each([
    [{ ...VALID, name: 'Nightly run' }, 'schedules[0] (Nightly run).name: must be letters and digits'],
    [{ ...VALID, name: 'x'.repeat(41) }, '.name:'],
    [{ ...VALID, experiment: '' }, '.experiment:'],
    [{ ...VALID, platforms: [] }, '.platforms:'],
    [{ ...VALID, platforms: ['local', 'local'] }, '.platforms: must not repeat a platform'],
    [{ ...VALID, expression: 'cron(0 3 * * ?)' }, '.expression: must be cron(<6 fields>)'],
    [{ ...VALID, expression: 'rate(0 days)' }, '.expression:'],
    [{ ...VALID, expression: 'rate(1 week)' }, '.expression:'],
    [{ ...VALID, expression: 'every night' }, '.expression:'],
    [{ ...VALID, timezone: 'Mars/Olympus' }, '.timezone: must be an IANA time zone'],
    [{ ...VALID, enabled: 'yes' }, '.enabled:'],
    [{ ...VALID, quick: 'true' }, '.quick:'],
    [{ ...VALID, cron: 'cron(0 3 * * ? *)' }, 'schedules[0] (nightly-coldstart).(entry): Unrecognized key'],
    [(({ enabled: _enabled, ...rest }) => rest)(VALID), '.enabled:'],
  ])('fails for %j', (entry, message) => {
    expect(() => loadSchedules([entry])).toThrow(ScheduleConfigError);
    expect(() => loadSchedules([entry])).toThrow(message);
  });

  it('fails when two schedules share a name', () => {
    expect(() => loadSchedules([VALID, { ...VALID, name: 'Nightly-Coldstart' }])).toThrow('the name Nightly-Coldstart is used twice');
  });
});

describe('Function: scheduleRunInput', () => {
  it('is the RunExperiment input of the schedule, defaults included', () => {
    const [schedule] = loadSchedules([{ ...VALID, params: { repetitions: 3 }, timezone: 'UTC' }]);
    if (!schedule) throw new Error('no schedule');
    expect(scheduleRunInput(schedule)).toEqual({ experiment: 'coldstart-identifier', platforms: ['local'], params: { repetitions: 3 }, quick: false });
  });
});
