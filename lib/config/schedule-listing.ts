/**
 * What `fb schedules` shows of each schedule: its settings and its next fire time, in UTC and in
 * its own time zone. A cron schedule's next time is computed as EventBridge Scheduler would; a
 * rate schedule has none of its own (it fires when it is created or `fb serve` starts, then every
 * period), so it shows its period instead.
 */
import { nextCronTimes, parseScheduleExpression, type ScheduleTarget } from './schedule-expression';
import type { ScheduleConfig } from './schedules';

/** One schedule as listed. */
export interface ScheduleListing {
  readonly name: string;
  readonly experiment: string;
  readonly platforms: readonly string[];
  readonly expression: string;
  /** The IANA zone the expression is evaluated in (`UTC` when none is configured). */
  readonly timezone: string;
  readonly enabled: boolean;
  /** The next cron time after `now`, ISO 8601 UTC; `null` for a rate, a disabled schedule or an ended cron. */
  readonly nextFireAt: string | null;
  /** The same time on the schedule's zone's clock, e.g. `2025-01-01 03:00 CET`; `null` when {@link nextFireAt} is. */
  readonly nextFireLocal: string | null;
  /** A rate's period, e.g. `7 days`; `null` for a cron. */
  readonly every: string | null;
}

/** The listing of validated schedules at `now`. */
export function listSchedules(schedules: readonly ScheduleConfig[], target: ScheduleTarget, now: Date): ScheduleListing[] {
  return schedules.map((schedule) => {
    const expression = parseScheduleExpression(schedule.expression, target);
    const timezone = schedule.timezone ?? 'UTC';
    const next = expression.kind === 'cron' && schedule.enabled ? (nextCronTimes(expression, now, 1, timezone)[0] ?? null) : null;
    return {
      name: schedule.name,
      experiment: schedule.experiment,
      platforms: schedule.platforms,
      expression: schedule.expression,
      timezone,
      enabled: schedule.enabled,
      nextFireAt: next ? next.toISOString() : null,
      nextFireLocal: next ? wallClock(next, timezone) : null,
      every: expression.kind === 'rate' ? expression.period : null,
    };
  });
}

/** `2025-01-01 03:00 CET`: a time on a zone's clock, with the zone's short name. */
export function wallClock(date: Date, timezone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short' })
      .formatToParts(date)
      .map((part) => [part.type, part.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute} ${parts.timeZoneName}`;
}
