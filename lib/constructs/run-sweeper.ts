/**
 * `RunSweeper`: the sweeper Lambda (lambdas/sweep/handler.ts) and the EventBridge Scheduler
 * schedule that runs it every hour with `{ "dryRun": false }`. Its cloud grants (list stacks and
 * instances, delete only `fb-*` stacks and instances carrying the run and expiry tags, read the
 * Azure secret) and `FB_CLOUD_CONFIG` come from `CloudPlatforms` (`sweeper` prop), beside the
 * other steps'. Scheduler invokes it with a role of its own (`ScheduleRole`: lambda:InvokeFunction
 * on this function only).
 *
 * Idle cost: 24 short invocations a day (Lambda free tier) and nothing for the schedule (Scheduler free tier).
 */
import { type CfnElement, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct } from 'constructs';
import { ControlPlaneFunction } from './control-plane-function';

/** How often the sweeper runs. */
export const SWEEP_INTERVAL = Duration.hours(1);

/** Properties of {@link RunSweeper}. */
export interface RunSweeperProps {
  /** The schedule's name, e.g. `faas-benchmarker-dev-sweep`. */
  readonly scheduleName: string;

  /**
   * Retention of the sweeper's log group.
   *
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
}

/** The sweeper Lambda and its hourly schedule. */
export class RunSweeper extends Construct {
  /** The sweeper Lambda (`fb sweep --stage` invokes it by the `SweeperFunctionName` output). */
  readonly function: ControlPlaneFunction;
  /** The hourly schedule. */
  readonly schedule: scheduler.Schedule;

  constructor(scope: Construct, id: string, props: RunSweeperProps) {
    super(scope, id);
    this.function = new ControlPlaneFunction(this, 'Function', {
      entry: 'lambdas/sweep/handler.ts',
      description: 'Sweeper: deletes per-run stacks, instances, resource groups and OpenFaaS functions whose faas-benchmarker:expires tag has passed',
      timeout: Duration.minutes(15),
      logRetention: props.logRetention,
    });
    const role = new iam.Role(this, 'ScheduleRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com'),
      description: 'EventBridge Scheduler: invoke the faas-benchmarker sweeper',
    });
    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      scheduleName: props.scheduleName,
      description: 'faas-benchmarker sweeper: remove expired per-run resources',
      schedule: scheduler.ScheduleExpression.rate(SWEEP_INTERVAL),
      target: new schedulerTargets.LambdaInvoke(this.function.function, {
        input: scheduler.ScheduleTargetInput.fromObject({ dryRun: false }),
        retryAttempts: 2,
        maxEventAge: Duration.hours(1),
        role,
      }),
    });
    // The target grants lambda:InvokeFunction on the function and its versions (`<arn>:*`).
    const defaultPolicy = role.node.tryFindChild('DefaultPolicy');
    if (defaultPolicy) {
      const functionId = Stack.of(this).getLogicalId(this.function.function.node.defaultChild as CfnElement);
      Validations.of(defaultPolicy).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${functionId}.Arn>:*]`,
        reason: 'Scheduler may invoke the sweeper function only; aws-scheduler-targets grants its versions and aliases too (<arn>:*), all of the same function.',
      });
    }
  }
}
