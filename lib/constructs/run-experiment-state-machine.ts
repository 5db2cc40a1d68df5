/**
 * `RunExperimentStateMachine`: the RunExperiment Standard state machine (state-machines/README.md), its
 * definition inlined from the ASL file with every `${<Step>FunctionArn}` placeholder substituted
 * by its step Lambda's ARN, logging ALL events with execution data to its own log group (under
 * /aws/vendedlogs/), X-Ray tracing on. It may invoke exactly the step Lambdas, by unqualified ARN.
 *
 * Children: `Logs` (the execution log group) and `StateMachine`.
 *
 * Idle cost: nothing but CloudWatch Logs storage (Standard workflows bill per state transition).
 */
import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct, type IDependable } from 'constructs';
import type { ControlPlaneFunction } from './control-plane-function';
import { aslPlaceholders, ControlPlaneDefinitionError, type RunExperimentDefinition } from './run-experiment-definition';

/** Properties of a {@link RunExperimentStateMachine}. */
export interface RunExperimentStateMachineProps {
  /** Name of the state machine, e.g. `faas-benchmarker-dev-RunExperiment`; its log group is named after it. */
  readonly stateMachineName: string;

  /** The RunExperiment definition (the ASL text is inlined). */
  readonly definition: RunExperimentDefinition;

  /**
   * The step Lambdas, by the name of the `${<name>FunctionArn}` placeholder each fills: exactly the
   * definition's placeholders, or synth fails with a `ControlPlaneDefinitionError`.
   */
  readonly steps: Readonly<Record<string, ControlPlaneFunction>>;

  /**
   * What the state machine is created after (e.g. the schema migrations, so no execution sees an
   * old schema).
   *
   * @default - nothing
   */
  readonly dependsOn?: readonly IDependable[];

  /**
   * Retention of the execution log group.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
}

/** The RunExperiment state machine, its execution log group and its invoke grants. */
export class RunExperimentStateMachine extends Construct {
  /** The state machine (`StateMachine`; `FB_STATE_MACHINE_ARN` for `fb run`). */
  readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: RunExperimentStateMachineProps) {
    super(scope, id);
    const { definition, steps } = props;
    const definitionSubstitutions = Object.fromEntries(
      Object.entries(steps).map(([name, fn]) => [`${name}FunctionArn`, fn.function.functionArn]),
    );
    const placeholders = aslPlaceholders(definition.asl);
    const substituted = Object.keys(definitionSubstitutions).sort();
    if (JSON.stringify(placeholders) !== JSON.stringify(substituted)) {
      throw new ControlPlaneDefinitionError(
        `${definition.file} has placeholders ${placeholders.join(', ')}, but the stack substitutes ${substituted.join(', ')}`,
      );
    }
    const executionLogs = new logs.LogGroup(this, 'Logs', {
      // Under /aws/vendedlogs/ so Step Functions' log delivery does not grow the account's log resource policy.
      logGroupName: `/aws/vendedlogs/states/${props.stateMachineName}`,
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: props.stateMachineName,
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromString(definition.asl),
      definitionSubstitutions,
      logs: { destination: executionLogs, level: sfn.LogLevel.ALL, includeExecutionData: true },
      tracingEnabled: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    for (const dependency of props.dependsOn ?? []) this.stateMachine.node.addDependency(dependency);
    // The ASL names unqualified ARNs, so the machine needs no version or alias (`:*`) permission.
    for (const fn of Object.values(steps)) fn.function.grantInvokeLatestVersion(this.stateMachine);
    const policy = this.stateMachine.role.node.tryFindChild('DefaultPolicy');
    if (policy) {
      Validations.of(policy).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Required by AWS for the two features nag asks for: CloudWatch Logs delivery (logs:CreateLogDelivery, ' +
          'GetLogDelivery, UpdateLogDelivery, DeleteLogDelivery, ListLogDeliveries, PutResourcePolicy, ' +
          'DescribeResourcePolicies, DescribeLogGroups) and X-Ray (xray:PutTraceSegments, PutTelemetryRecords, ' +
          'GetSamplingRules, GetSamplingTargets) do not support resource-level permissions.',
      });
    }
  }
}
