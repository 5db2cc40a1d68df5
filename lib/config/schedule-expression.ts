/**
 * EventBridge Scheduler's schedule expressions, checked and evaluated here so the same file means
 * the same times in the cloud and under `fb serve`.
 *
 * - `rate(value unit)`: a whole number of at least 1 and `minute(s)`, `hour(s)` or `day(s)`,
 *   singular for 1 and plural otherwise (`rate(1 day)`, `rate(5 minutes)`). A rate schedule fires
 *   when it is created, then every period. For `fb serve` only (target `local`), `second(s)` is
 *   accepted too, so a schedule can be tried in seconds.
 * - `cron(minutes hours day-of-month month day-of-week year)`: six fields; exactly one of
 *   day-of-month and day-of-week is `?`. Day-of-week counts 1-7 = SUN-SAT. Wildcards, per field
 *   as EventBridge documents them: `, - * /` everywhere but day-of-week, `?` `L` `W` in
 *   day-of-month (`L`, `15W`), `?` `L` `#` in day-of-week (`L` = Saturday, `6L` = the last Friday,
 *   `2#1` = the first Monday). Years 1970-2199.
 *
 * Cron times are computed by croner, whose syntax differs; {@link cronerPattern} translates:
 * a seconds field of `0` in front, `?` to `*`, a numeric-prefixed step `a/b` to the range
 * `a-<field max>/b` (croner refuses the prefix form), a lone `L` in day-of-week to `7` (Saturday),
 * and croner's options `alternativeWeekdays` (1 = Sunday, Quartz numbering), `domAndDow` (one of
 * the two is always `*`, so AND is EventBridge's "the other field decides") and `mode: '7-part'`.
 */
import { Cron } from 'croner';

/** Where a schedule runs: the deployed EventBridge Scheduler, or `fb serve` (which also takes seconds). */
export type ScheduleTarget = 'deployed' | 'local';

/** A parsed rate expression. */
export interface RateExpression {
  readonly kind: 'rate';
  /** The period, in milliseconds. */
  readonly periodMs: number;
  /** The period as written, e.g. `7 days`. */
  readonly period: string;
}

/** A parsed cron expression. */
export interface CronExpression {
  readonly kind: 'cron';
  /** The croner pattern it was translated to (seven fields, seconds first). */
  readonly cronerPattern: string;
}

/** A valid schedule expression. */
export type ScheduleExpression = RateExpression | CronExpression;

/** The expression is not one EventBridge Scheduler (or, for `local`, `fb serve`) accepts; the message says why. */
export class ScheduleExpressionError extends Error {
  override name = 'ScheduleExpressionError';
}

const UNIT_MS: Readonly<Record<string, number>> = { second: 1000, minute: 60_000, hour: 3_600_000, day: 86_400_000 };
const RATE = /^rate\((\S+) (\S+)\)$/;
const CRON = /^cron\((.*)\)$/;

/** One cron field: its name in messages, its numeric range, the names it takes and its extra wildcards. */
interface CronField {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const FIELDS: readonly CronField[] = [
  { name: 'minutes', min: 0, max: 59 },
  { name: 'hours', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day-of-week', min: 1, max: 7, names: WEEKDAYS },
  { name: 'year', min: 1970, max: 2199 },
];
const DAY_OF_MONTH = 2;
const DAY_OF_WEEK = 4;

/**
 * Parse and check an expression for a target. Throws {@link ScheduleExpressionError} with a
 * message that names the field or unit at fault and, where there is one, the fix.
 *
 * @example
 * parseScheduleExpression('cron(0 3 * * ? *)', 'deployed'); // { kind: 'cron', cronerPattern: '0 0 3 * * * *' }
 * parseScheduleExpression('rate(5 seconds)', 'local');      // { kind: 'rate', periodMs: 5000, period: '5 seconds' }
 */
export function parseScheduleExpression(expression: string, target: ScheduleTarget): ScheduleExpression {
  const rate = RATE.exec(expression);
  if (rate) return parseRate(rate[1] as string, rate[2] as string, target);
  const cron = CRON.exec(expression);
  if (cron) return { kind: 'cron', cronerPattern: cronerPattern(cron[1] as string) };
  throw new ScheduleExpressionError(`"${expression}" must be cron(<6 fields>) or rate(<n> <unit>), e.g. cron(0 3 * * ? *) or rate(1 day)`);
}

function parseRate(value: string, unit: string, target: ScheduleTarget): RateExpression {
  const units = target === 'local' ? 'second(s), minute(s), hour(s) or day(s)' : 'minute(s), hour(s) or day(s)';
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new ScheduleExpressionError(`rate(${value} ${unit}): the value must be a whole number of at least 1`);
  const count = Number(value);
  const singular = unit.replace(/s$/, '');
  if (!Object.hasOwn(UNIT_MS, singular)) throw new ScheduleExpressionError(`rate(${value} ${unit}): the unit must be ${units}`);
  if (singular === 'second' && target === 'deployed') {
    throw new ScheduleExpressionError(`rate(${value} ${unit}): seconds are for fb serve only; EventBridge Scheduler's smallest unit is the minute`);
  }
  const expected = count === 1 ? singular : `${singular}s`;
  if (unit !== expected) throw new ScheduleExpressionError(`rate(${value} ${unit}): write rate(${value} ${expected}) (singular for 1, plural otherwise)`);
  return { kind: 'rate', periodMs: count * (UNIT_MS[singular] as number), period: `${value} ${unit}` };
}

/**
 * The croner pattern of the six EventBridge cron fields (the text inside `cron(…)`), after
 * checking them. Throws {@link ScheduleExpressionError}.
 */
export function cronerPattern(fieldsText: string): string {
  const fields = fieldsText.trim().split(/\s+/);
  if (fields.length !== 6) throw new ScheduleExpressionError(`cron(${fieldsText}): needs six fields (minutes hours day-of-month month day-of-week year), has ${fields.length}`);
  const dayOfMonth = fields[DAY_OF_MONTH] as string;
  const dayOfWeek = fields[DAY_OF_WEEK] as string;
  if ((dayOfMonth === '?') === (dayOfWeek === '?')) {
    throw new ScheduleExpressionError(`cron(${fieldsText}): exactly one of day-of-month and day-of-week must be ?, e.g. cron(0 3 * * ? *) or cron(0 3 ? * MON-FRI *)`);
  }
  const translated = fields.map((text, index) => translateField(text, FIELDS[index] as CronField, index, fieldsText));
  const pattern = `0 ${translated.join(' ')}`;
  try {
    new Cron(pattern, cronerOptions());
  } catch (error) {
    throw new ScheduleExpressionError(`cron(${fieldsText}): ${error instanceof Error ? error.message : String(error)}`);
  }
  return pattern;
}

function translateField(text: string, field: CronField, index: number, fieldsText: string): string {
  const fail = (why: string) => new ScheduleExpressionError(`cron(${fieldsText}): ${field.name} "${text}": ${why}`);
  if (text === '?') {
    if (index !== DAY_OF_MONTH && index !== DAY_OF_WEEK) throw fail('? is only for day-of-month and day-of-week');
    return '*';
  }
  return text
    .split(',')
    .map((item) => translateItem(item.toUpperCase(), field, index, fail))
    .join(',');
}

function translateItem(item: string, field: CronField, index: number, fail: (why: string) => Error): string {
  const value = (text: string): number => {
    const named = field.names?.indexOf(text) ?? -1;
    const number = named >= 0 ? named + 1 : /^\d+$/.test(text) ? Number(text) : Number.NaN;
    if (!(number >= field.min && number <= field.max)) {
      throw fail(`"${text}" is not a value of ${field.min}-${field.max}${field.names ? ` or ${field.names[0]}-${field.names.at(-1)}` : ''}`);
    }
    return number;
  };
  const token = '([A-Z]+|\\d+)';
  if (index === DAY_OF_MONTH) {
    if (item === 'L') return item;
    const weekday = /^(\d+)W$/.exec(item);
    if (weekday) return `${value(weekday[1] as string)}W`;
  }
  if (index === DAY_OF_WEEK) {
    if (item === 'L') return '7';
    const last = new RegExp(`^${token}L$`).exec(item);
    if (last) return `${value(last[1] as string)}#L`;
    const nth = new RegExp(`^${token}#(\\d+)$`).exec(item);
    if (nth) {
      if (!/^[1-5]$/.test(nth[2] as string)) throw fail(`#${nth[2]}: a month has a 1st to 5th weekday only`);
      return `${value(nth[1] as string)}#${nth[2]}`;
    }
  }
  const step = /^(.+)\/(\d+)$/.exec(item);
  if (step) {
    if (index === DAY_OF_WEEK) throw fail('day-of-week takes no / step');
    const [, start, by] = step as unknown as [string, string, string];
    if (Number(by) < 1) throw fail('a step must be at least 1');
    if (start === '*') return `*/${by}`;
    const range = new RegExp(`^${token}-${token}$`).exec(start);
    if (range) return `${value(range[1] as string)}-${value(range[2] as string)}/${by}`;
    return `${value(start)}-${field.max}/${by}`;
  }
  if (item === '*') return item;
  const range = new RegExp(`^${token}-${token}$`).exec(item);
  if (range) return `${value(range[1] as string)}-${value(range[2] as string)}`;
  return String(value(item));
}

/** The croner options every translated pattern is evaluated with (see the module comment). */
function cronerOptions(timezone?: string): ConstructorParameters<typeof Cron>[1] {
  return { mode: '7-part', alternativeWeekdays: true, domAndDow: true, paused: true, timezone: timezone ?? 'Etc/UTC' };
}

/**
 * The next `count` times a cron expression fires strictly after `from`, evaluated in `timezone`
 * (UTC without one), as EventBridge Scheduler would. Fewer when the expression ends (a year range).
 */
export function nextCronTimes(expression: CronExpression, from: Date, count: number, timezone?: string): Date[] {
  return new Cron(expression.cronerPattern, cronerOptions(timezone)).nextRuns(count, from);
}
