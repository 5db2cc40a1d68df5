/**
 * Tests of the EventBridge expression checks and of the cron translation to croner: the examples
 * EventBridge documents fire at the times it describes, for a fixed start, in UTC and in a time
 * zone across a daylight-saving change; every rule a deploy would break fails here with its field.
 */
import { describe, expect, it } from 'vitest';
import { type CronExpression, cronerPattern, nextCronTimes, parseScheduleExpression, ScheduleExpressionError } from './schedule-expression';

/** A Wednesday. */
const NEW_YEAR_2025 = new Date('2025-01-01T00:00:00Z');

function cron(expression: string): CronExpression {
  const parsed = parseScheduleExpression(expression, 'deployed');
  if (parsed.kind !== 'cron') throw new Error(`${expression} is not a cron expression`);
  return parsed;
}

const iso = (dates: readonly Date[]) => dates.map((date) => date.toISOString());

describe.concurrent('Function: nextCronTimes — EventBridge documented examples', () => {
  it.each([
    ['cron(0 10 * * ? *)', NEW_YEAR_2025, ['2025-01-01T10:00:00.000Z', '2025-01-02T10:00:00.000Z']],
    ['cron(15 12 * * ? *)', NEW_YEAR_2025, ['2025-01-01T12:15:00.000Z', '2025-01-02T12:15:00.000Z']],
    ['cron(0 18 ? * MON-FRI *)', new Date('2025-01-03T00:00:00Z'), ['2025-01-03T18:00:00.000Z', '2025-01-06T18:00:00.000Z']],
    ['cron(0 8 1 * ? *)', NEW_YEAR_2025, ['2025-01-01T08:00:00.000Z', '2025-02-01T08:00:00.000Z', '2025-03-01T08:00:00.000Z']],
    ['cron(0/15 * * * ? *)', NEW_YEAR_2025, ['2025-01-01T00:15:00.000Z', '2025-01-01T00:30:00.000Z', '2025-01-01T00:45:00.000Z', '2025-01-01T01:00:00.000Z']],
    ['cron(0/10 * ? * MON-FRI *)', new Date('2025-01-03T23:45:00Z'), ['2025-01-03T23:50:00.000Z', '2025-01-06T00:00:00.000Z', '2025-01-06T00:10:00.000Z']],
    ['cron(0/5 8-17 ? * MON-FRI *)', new Date('2025-01-03T17:50:00Z'), ['2025-01-03T17:55:00.000Z', '2025-01-06T08:00:00.000Z']],
    ['cron(0 9 ? * 2#1 *)', NEW_YEAR_2025, ['2025-01-06T09:00:00.000Z', '2025-02-03T09:00:00.000Z', '2025-03-03T09:00:00.000Z']],
    // The last Friday of each month in 2022-2023: three more after October 2023 began, then none.
    ['cron(15 10 ? * 6L 2022-2023)', new Date('2023-10-01T00:00:00Z'), ['2023-10-27T10:15:00.000Z', '2023-11-24T10:15:00.000Z', '2023-12-29T10:15:00.000Z']],
  ])('%s after %s', (expression, from, expected) => {
    expect(iso(nextCronTimes(cron(expression), from, expected.length))).toEqual(expected);
  });

  it('ends with the last year of a year range', () => {
    expect(nextCronTimes(cron('cron(15 10 ? * 6L 2022-2023)'), new Date('2023-10-01T00:00:00Z'), 10)).toHaveLength(3);
  });
});

describe.concurrent('Function: nextCronTimes — wildcards and time zones', () => {
  it('counts day-of-week 1-7 as SUN-SAT: 2-6 is MON-FRI', () => {
    expect(iso(nextCronTimes(cron('cron(0 18 ? * 2-6 *)'), NEW_YEAR_2025, 5))).toEqual(iso(nextCronTimes(cron('cron(0 18 ? * MON-FRI *)'), NEW_YEAR_2025, 5)));
    expect(nextCronTimes(cron('cron(0 12 ? * 1 *)'), NEW_YEAR_2025, 1)[0]?.toISOString()).toBe('2025-01-05T12:00:00.000Z');
  });

  it('takes L in day-of-month as the last day and alone in day-of-week as Saturday', () => {
    expect(iso(nextCronTimes(cron('cron(0 12 L * ? *)'), NEW_YEAR_2025, 3))).toEqual(['2025-01-31T12:00:00.000Z', '2025-02-28T12:00:00.000Z', '2025-03-31T12:00:00.000Z']);
    expect(iso(nextCronTimes(cron('cron(0 12 ? * L *)'), NEW_YEAR_2025, 2))).toEqual(['2025-01-04T12:00:00.000Z', '2025-01-11T12:00:00.000Z']);
  });

  it('moves nW to the nearest weekday within the month (15 February and March 2025 are Saturdays)', () => {
    expect(iso(nextCronTimes(cron('cron(0 12 15W * ? *)'), NEW_YEAR_2025, 3))).toEqual(['2025-01-15T12:00:00.000Z', '2025-02-14T12:00:00.000Z', '2025-03-14T12:00:00.000Z']);
  });

  it('evaluates in the schedule time zone, across the daylight-saving change (Copenhagen: UTC+1, then UTC+2 from 30 March 2025)', () => {
    expect(iso(nextCronTimes(cron('cron(0 3 * * ? *)'), new Date('2025-03-29T00:00:00Z'), 2, 'Europe/Copenhagen'))).toEqual(['2025-03-29T02:00:00.000Z', '2025-03-30T01:00:00.000Z']);
    expect(nextCronTimes(cron('cron(0 3 * * ? *)'), new Date('2025-03-29T00:00:00Z'), 1)[0]?.toISOString()).toBe('2025-03-29T03:00:00.000Z');
  });

  it('translates to croner deliberately: seconds first, ? to *, a numeric step start to a range, Quartz weekdays by number', () => {
    expect(cronerPattern('0/5 8-17 ? * MON-FRI *')).toBe('0 0-59/5 8-17 * * 2-6 *');
    expect(cronerPattern('15 10 ? * 6L 2022-2023')).toBe('0 15 10 * * 6#L 2022-2023');
    expect(cronerPattern('0 3 1/2 JAN,jul ? *')).toBe('0 0 3 1-31/2 1,7 * *');
  });
});

describe.concurrent('Function: parseScheduleExpression', () => {
  it.each([
    ['rate(1 minute)', 60_000],
    ['rate(5 minutes)', 300_000],
    ['rate(1 hour)', 3_600_000],
    ['rate(7 days)', 7 * 86_400_000],
  ])('reads %s as a period of %i ms', (expression, periodMs) => {
    expect(parseScheduleExpression(expression, 'deployed')).toMatchObject({ kind: 'rate', periodMs });
  });

  it('takes seconds for fb serve only', () => {
    expect(parseScheduleExpression('rate(2 seconds)', 'local')).toMatchObject({ kind: 'rate', periodMs: 2000 });
    expect(() => parseScheduleExpression('rate(30 seconds)', 'deployed')).toThrow(/seconds are for fb serve only/);
  });

  it.each([
    ['rate(0 days)', 'at least 1'],
    ['rate(1.5 hours)', 'at least 1'],
    ['rate(1 days)', 'write rate(1 day)'],
    ['rate(5 day)', 'write rate(5 days)'],
    ['rate(1 week)', 'the unit must be minute(s), hour(s) or day(s)'],
    ['every night', 'must be cron(<6 fields>) or rate'],
    ['cron(0 3 * * ?)', 'needs six fields'],
    ['cron(0 3 * * * *)', 'exactly one of day-of-month and day-of-week must be ?'],
    ['cron(0 3 ? * ? *)', 'exactly one of day-of-month and day-of-week must be ?'],
    ['cron(60 3 * * ? *)', 'minutes "60": "60" is not a value of 0-59'],
    ['cron(0 3 ? * 0 *)', 'day-of-week "0": "0" is not a value of 1-7 or SUN-SAT'],
    ['cron(0 3 ? * 2#6 *)', 'a month has a 1st to 5th weekday only'],
    ['cron(0 3 ? * 5W *)', 'day-of-week "5W"'],
    ['cron(0 3 ? * */2 *)', 'day-of-week takes no / step'],
    ['cron(? 3 * * ? *)', '? is only for day-of-month and day-of-week'],
    ['cron(0 3 * * ? 1969)', 'year "1969"'],
    ['cron(0 3 * FOO ? *)', 'month "FOO"'],
  ])('refuses %s', (expression, message) => {
    expect(() => parseScheduleExpression(expression, 'deployed')).toThrow(ScheduleExpressionError);
    expect(() => parseScheduleExpression(expression, 'deployed')).toThrow(message);
  });
});
