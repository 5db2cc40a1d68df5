/**
 * The schedules of a schedule file, run on this machine (for `fb serve`): each enabled schedule
 * starts an execution at its times with exactly the input the deployed Scheduler target sends
 * (`scheduleRunInput`, as lib/constructs/experiment-schedules.ts), named `<schedule>-<UTC time>`,
 * e.g. `nightly-coldstart-20250101T020000Z`.
 *
 * Times are EventBridge Scheduler's (lib/config/schedule-expression.ts): a cron expression fires
 * at its times in the schedule's time zone; a rate schedule, like a newly created Scheduler
 * schedule, fires when it starts and then every period from that start. Rates may be in seconds
 * here (validation target `local`). A fire that is missed (the machine slept) is skipped, not
 * made up; a run that fires while the previous one is still active fails at AcquireLock, as in
 * the cloud. Self-contained: the caller passes the function that starts executions.
 */
import { type ScheduleConfig, scheduleRunInput } from '../../lib/config/schedules';
import { type CronExpression, nextCronTimes, parseScheduleExpression, type ScheduleExpression } from '../../lib/config/schedule-expression';
import type { RunInput } from '../../lib/control-plane/run-input';

/** Node's longest timer; a later fire is waited for in steps of this. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** One fire of a schedule: the execution it started. */
export interface ScheduleFire {
  /** The schedule's name. */
  readonly schedule: string;
  /** The time it was due (not when the timer ran). */
  readonly scheduledAt: Date;
  /** The execution name passed to `startExecution`. */
  readonly executionName: string;
  /** What `startExecution` resolved with (the execution ARN). */
  readonly executionArn: string;
}

/** What {@link startLocalSchedules} needs, and what it reports to. */
export interface LocalScheduleOptions {
  /** Start a RunExperiment execution with this input and name; resolves with its ARN. */
  readonly startExecution: (input: RunInput, name: string) => Promise<string>;
  /** Called after each execution it started. */
  readonly onFire?: (fire: ScheduleFire) => void;
  /**
   * Called when `startExecution` fails; the schedule keeps running.
   *
   * @default - a line on stderr
   */
  readonly onError?: (error: unknown, schedule: string) => void;
  /**
   * The clock the times are computed from.
   *
   * @default - `new Date()`
   */
  readonly now?: () => Date;
}

/** Running local schedules. */
export interface LocalSchedules {
  /** Stop every schedule: no further fire (an execution already started goes on). */
  stop(): void;
  /** Each schedule's next fire time, in the file's order; `null` when disabled, ended or stopped. */
  upcoming(): { name: string; nextFireAt: Date | null }[];
}

/** `20250101T020000Z`: the UTC time of a fire, as execution names may hold it. */
export function executionTimestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}

/**
 * Start the schedules (validated for target `local`: `loadSchedules` of lib/config/schedules.ts).
 * Throws `ScheduleExpressionError` if an expression is invalid for `local`.
 *
 * @example
 * const schedules = startLocalSchedules(loadScheduleFile('schedules.json', 'local'), { startExecution: (input, name) => sfn.start(input, name) });
 * // … later
 * schedules.stop();
 */
export function startLocalSchedules(schedules: readonly ScheduleConfig[], options: LocalScheduleOptions): LocalSchedules {
  const now = options.now ?? (() => new Date());
  const onError = options.onError ?? ((error: unknown, schedule: string) => console.error(`schedule ${schedule}: ${error instanceof Error ? error.message : String(error)}`));
  const startedAt = now();
  const runners = schedules.map((schedule) => {
    const expression = parseScheduleExpression(schedule.expression, 'local');
    return new ScheduleRunner(schedule, expression, startedAt, { ...options, now, onError });
  });
  for (const runner of runners) runner.arm();
  return {
    stop: () => {
      for (const runner of runners) runner.stop();
    },
    upcoming: () => runners.map((runner) => ({ name: runner.schedule.name, nextFireAt: runner.nextFireAt })),
  };
}

/** One schedule's timer: waits for its next time, fires, computes the one after. */
class ScheduleRunner {
  nextFireAt: Date | null;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly schedule: ScheduleConfig,
    private readonly expression: ScheduleExpression,
    private readonly startedAt: Date,
    private readonly options: LocalScheduleOptions & { now: () => Date; onError: (error: unknown, schedule: string) => void },
  ) {
    this.nextFireAt = schedule.enabled ? this.firstTime() : null;
  }

  arm(): void {
    if (!this.nextFireAt) return;
    const delayMs = Math.max(0, this.nextFireAt.getTime() - this.options.now().getTime());
    this.timer = setTimeout(() => this.onTimer(), Math.min(delayMs, MAX_TIMER_MS));
    this.timer.unref();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.nextFireAt = null;
  }

  private onTimer(): void {
    const due = this.nextFireAt;
    if (!due) return;
    const nowMs = this.options.now().getTime();
    // A timer may wake early (a wait longer than Node's longest timer, or a clock that moved).
    if (nowMs < due.getTime()) {
      this.arm();
      return;
    }
    this.fire(due);
    this.nextFireAt = this.timeAfter(new Date(Math.max(nowMs, due.getTime())));
    this.arm();
  }

  private fire(scheduledAt: Date): void {
    const executionName = `${this.schedule.name}-${executionTimestamp(scheduledAt)}`;
    this.options.startExecution(scheduleRunInput(this.schedule), executionName).then(
      (executionArn) => this.options.onFire?.({ schedule: this.schedule.name, scheduledAt, executionName, executionArn }),
      (error: unknown) => this.options.onError(error, this.schedule.name),
    );
  }

  /** A rate fires at its start; a cron at its first time after the start. */
  private firstTime(): Date | null {
    return this.expression.kind === 'rate' ? this.startedAt : this.cronAfter(this.expression, this.startedAt);
  }

  /** The first time strictly after `after`: the next multiple of the period from the start, or the cron's next. */
  private timeAfter(after: Date): Date | null {
    if (this.expression.kind === 'cron') return this.cronAfter(this.expression, after);
    const { periodMs } = this.expression;
    const periods = Math.floor((after.getTime() - this.startedAt.getTime()) / periodMs) + 1;
    return new Date(this.startedAt.getTime() + periods * periodMs);
  }

  private cronAfter(expression: CronExpression, after: Date): Date | null {
    return nextCronTimes(expression, after, 1, this.schedule.timezone)[0] ?? null;
  }
}
