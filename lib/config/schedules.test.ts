/**
 * Tests of the schedule format: the shipped example is valid for a stage with Azure, defaults are
 * filled in, and every kind of mistake fails with one line naming the source, the entry and the
 * field: keys, names, experiments, parameters, expressions, time zones, repeated names, and the
 * platforms each target runs (`local` never deployed; a cloud platform only when the stage has
 * its settings; seconds and `local` only for `fb serve`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSchedules, ScheduleConfigError, type ScheduleLoadOptions, scheduleRunInput } from './schedules';
import { stagePlatforms } from './stage-platforms';

const NO_CLOUD = stagePlatforms({ azureSubscriptionId: '', openfaasGatewayUrl: '' });
const AZURE = stagePlatforms({ azureSubscriptionId: '00000000-0000-4000-8000-000000000000', openfaasGatewayUrl: '' });
const DEPLOYED: ScheduleLoadOptions = { target: 'deployed', source: 'schedules.json', stagePlatforms: AZURE };
const LOCAL: ScheduleLoadOptions = { target: 'local', source: 'schedules.local.json' };

const VALID = {
  name: 'nightly-coldstart',
  experiment: 'coldstart-identifier',
  platforms: ['aws-lambda'],
  expression: 'cron(0 3 * * ? *)',
  enabled: true,
};

/** The problems `loadSchedules` reports, one line each (fails the test when it reports none). */
function problemsOf(entries: unknown, options: ScheduleLoadOptions = DEPLOYED): readonly string[] {
  try {
    loadSchedules(entries, options);
  } catch (error) {
    if (error instanceof ScheduleConfigError) return error.problems;
    throw error;
  }
  throw new Error('loadSchedules accepted the entries');
}

describe.concurrent('Function: loadSchedules', () => {
  it('accepts schedules.example.json for a stage with Azure', () => {
    const example = JSON.parse(readFileSync(join(__dirname, '..', '..', 'schedules.example.json'), 'utf8'));
    expect(loadSchedules(example, DEPLOYED).map((schedule) => schedule.name)).toEqual(['nightly-coldstart', 'weekly-concurrency']);
  });

  it('fills in params and quick, and keeps the optional fields given', () => {
    const [schedule] = loadSchedules([{ ...VALID, timezone: 'Europe/Copenhagen', description: 'nightly' }], DEPLOYED);
    expect(schedule).toEqual({ ...VALID, params: {}, quick: false, timezone: 'Europe/Copenhagen', description: 'nightly' });
  });

  it('accepts an empty list', () => {
    expect(loadSchedules([], DEPLOYED)).toEqual([]);
  });

  it.each([
    [{ ...VALID, name: 'Nightly run' }, 'schedules.json: schedule "Nightly run": name: must be letters and digits'],
    [{ ...VALID, name: 'x'.repeat(41) }, `schedule "${'x'.repeat(41)}": name:`],
    [{ ...VALID, name: 7 }, 'schedules.json: schedule #1: name:'],
    [{ ...VALID, experiment: 'nightly-x' }, 'schedule "nightly-coldstart": experiment: unknown experiment "nightly-x"'],
    [{ ...VALID, params: { repetitions: 3 } }, 'schedule "nightly-coldstart": params: coldstart-identifier has no parameter repetitions'],
    [{ ...VALID, params: { baselineCalls: 0 } }, 'schedule "nightly-coldstart": params: coldstart-identifier: parameter baselineCalls:'],
    [{ ...VALID, platforms: [] }, 'platforms:'],
    [{ ...VALID, platforms: ['aws-lambda', 'aws-lambda'] }, 'platforms: must not repeat a platform'],
    [{ ...VALID, expression: 'cron(0 3 * * ?)' }, 'schedule "nightly-coldstart": expression: cron(0 3 * * ?): needs six fields'],
    [{ ...VALID, expression: 'cron(0 3 * * * *)' }, 'expression: cron(0 3 * * * *): exactly one of day-of-month and day-of-week must be ?'],
    [{ ...VALID, expression: 'rate(1 days)' }, 'expression: rate(1 days): write rate(1 day)'],
    [{ ...VALID, expression: 'rate(30 seconds)' }, 'expression: rate(30 seconds): seconds are for fb serve only'],
    [{ ...VALID, timezone: 'Mars/Olympus' }, 'timezone: must be an IANA time zone'],
    [{ ...VALID, enabled: 'yes' }, 'enabled:'],
    [{ ...VALID, quick: 'true' }, 'quick:'],
    [{ ...VALID, cron: 'cron(0 3 * * ? *)' }, 'schedule "nightly-coldstart": (entry): Unrecognized key'],
    [(({ enabled: _enabled, ...rest }) => rest)(VALID), 'enabled:'],
  ])('fails for %j', (entry, message) => {
    expect(problemsOf([entry]).join('\n')).toContain(message);
  });

  it('refuses local on a deployed stage, saying what the stage runs', () => {
    expect(problemsOf([{ ...VALID, name: 'nightly-x', platforms: ['local'] }])).toEqual([
      'schedules.json: schedule "nightly-x": platforms: unknown platform "local" — the deployed control plane runs aws-lambda, azure-functions; local runs only on this machine (fb run, fb serve)',
    ]);
  });

  it('refuses a cloud platform the stage has not configured, naming the setting it needs', () => {
    expect(problemsOf([VALID], { ...DEPLOYED, stagePlatforms: NO_CLOUD })[0]).toBe(
      'schedules.json: schedule "nightly-coldstart": platforms: "aws-lambda" is not configured for this stage (it needs -c azureSubscriptionId=… (its client is an Azure VM)) — the deployed control plane runs no platform',
    );
    expect(problemsOf([{ ...VALID, platforms: ['openfaas'] }])[0]).toContain('"openfaas" is not configured for this stage (it needs -c openfaasGatewayUrl=…)');
    expect(problemsOf([{ ...VALID, platforms: ['gcp'] }])[0]).toContain('unknown platform "gcp" — the deployed control plane runs aws-lambda, azure-functions');
  });

  it('takes local and second rates for fb serve, and refuses the cloud-only platforms there', () => {
    const [schedule] = loadSchedules([{ ...VALID, platforms: ['local'], expression: 'rate(1 second)' }], LOCAL);
    expect(schedule?.expression).toBe('rate(1 second)');
    expect(problemsOf([VALID], LOCAL)).toEqual(['schedules.local.json: schedule "nightly-coldstart": platforms: "aws-lambda" does not run on fb serve — the local control plane runs local, openfaas']);
  });

  it('reports every problem of every entry, one line each, and a repeated name', () => {
    const problems = problemsOf([
      { ...VALID, expression: 'rate(0 days)', timezone: 'Nowhere' },
      { ...VALID, name: 'weekly', experiment: 'nope' },
      { ...VALID, name: 'Nightly-Coldstart' },
    ]);
    expect(problems).toHaveLength(4);
    expect(problems[0]).toBe('schedules.json: schedule "nightly-coldstart": expression: rate(0 days): the value must be a whole number of at least 1');
    expect(problems[1]).toMatch(/^schedules\.json: schedule "nightly-coldstart": timezone: must be an IANA time zone/);
    expect(problems[2]).toMatch(/^schedules\.json: schedule "weekly": experiment: unknown experiment "nope"/);
    expect(problems[3]).toBe('schedules.json: schedule "Nightly-Coldstart": name: already used by schedule "nightly-coldstart" (names are compared without case)');
  });

  it('refuses a file that is not an array', () => {
    expect(problemsOf({ schedules: [VALID] })).toEqual(['schedules.json: must be a JSON array of schedules']);
  });
});

describe('Function: scheduleRunInput', () => {
  it('is the RunExperiment input of the schedule, defaults included', () => {
    const [schedule] = loadSchedules([{ ...VALID, params: { baselineCalls: 3 }, timezone: 'UTC' }], DEPLOYED);
    if (!schedule) throw new Error('no schedule');
    expect(scheduleRunInput(schedule)).toEqual({ experiment: 'coldstart-identifier', platforms: ['aws-lambda'], params: { baselineCalls: 3 }, quick: false });
  });
});
