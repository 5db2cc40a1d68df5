/**
 * `ExperimentSchedules`: one EventBridge Scheduler schedule per entry of the schedule file
 * (`schedules.json` or `-c schedules=…`, validated by lib/config/schedules.ts),
 * each starting an execution of the state machine with the entry's run input, in one schedule
 * group of the stage. No entries, no group.
 *
 * Children: `Group` and one `Schedule-<entry name>` per entry. The role Scheduler assumes to
 * start executions is the stack-wide one `aws-scheduler-targets` keeps per target
 * (`SchedulerRoleForTarget-…`, on the stack).
 *
 * Idle cost: nothing (Scheduler's free tier covers 14 million invocations a month).
 */
import { Duration, RemovalPolicy, TimeZone } from 'aws-cdk-lib';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { type ScheduleConfig, scheduleRunInput } from '../config/schedules';

/** How often Scheduler retries a StartExecution that failed. */
const START_RETRY_ATTEMPTS = 3;
/** A run that cannot start within the hour is skipped rather than started late. */
const START_MAX_DELAY = Duration.hours(1);

/** Properties of {@link ExperimentSchedules}. */
export interface ExperimentSchedulesProps {
  /** The state machine each schedule starts (RunExperiment). */
  readonly stateMachine: sfn.IStateMachine;

  /**
   * The experiments to start on a schedule, validated (`loadStageSchedules` of lib/config/schedules-source.ts).
   *
   * @default - none: no schedule and no schedule group
   */
  readonly schedules?: readonly ScheduleConfig[];

  /** Name of the schedule group, e.g. `faas-benchmarker-dev`. */
  readonly groupName: string;

  /** Start of every schedule's name, followed by `-<entry name>`, e.g. `dev`. */
  readonly scheduleNamePrefix: string;
}

/** The scheduled RunExperiment executions of a stage. */
export class ExperimentSchedules extends Construct {
  /** The schedules, by their configured name. */
  readonly schedules: Readonly<Record<string, scheduler.Schedule>>;

  constructor(scope: Construct, id: string, props: ExperimentSchedulesProps) {
    super(scope, id);
    const entries = props.schedules ?? [];
    const schedules: Record<string, scheduler.Schedule> = {};
    if (entries.length > 0) {
      const group = new scheduler.ScheduleGroup(this, 'Group', { scheduleGroupName: props.groupName, removalPolicy: RemovalPolicy.DESTROY });
      for (const entry of entries) {
        schedules[entry.name] = new scheduler.Schedule(this, `Schedule-${entry.name}`, {
          scheduleName: `${props.scheduleNamePrefix}-${entry.name}`,
          scheduleGroup: group,
          description: entry.description ?? `RunExperiment ${entry.experiment} on ${entry.platforms.join(', ')}`,
          schedule: scheduler.ScheduleExpression.expression(entry.expression, entry.timezone ? TimeZone.of(entry.timezone) : undefined),
          enabled: entry.enabled,
          target: new schedulerTargets.StepFunctionsStartExecution(props.stateMachine, {
            input: scheduler.ScheduleTargetInput.fromObject(scheduleRunInput(entry)),
            retryAttempts: START_RETRY_ATTEMPTS,
            maxEventAge: START_MAX_DELAY,
          }),
        });
      }
    }
    this.schedules = schedules;
  }
}
