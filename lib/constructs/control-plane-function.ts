/**
 * `ControlPlaneFunction`: the one way a control-plane Lambda is made, so every
 * step, API and maintenance Lambda shares the same fixed settings:
 * - Node.js 24 (`NODEJS_24_X`, the newest runtime aws-cdk-lib 2.276 knows) on ARM64 (Graviton:
 *   about 20 % cheaper per GB-second than x86_64);
 * - X-Ray tracing active;
 * - its own log group with a retention (JSON log format, so `AWS_LAMBDA_LOG_LEVEL` drives the
 *   Powertools logger), kept when the function goes away and expired by the retention;
 * - its own execution role with no managed policy: the role may write to that log group only;
 *   everything else is granted by the caller (`grant…(fn)`), so each function gets just what it needs;
 * - bundling with the local esbuild (never Docker): CommonJS (the shared code uses `__dirname`
 *   and `require`, which an ESM bundle would lack), minified, with source maps enabled at run
 *   time, `package-lock.json` as the lock file, and `@aws-sdk/*` left to the SDK the Lambda
 *   runtime ships.
 *
 * Environment variables are passed in as props; this construct never reads `process.env`.
 * The one cdk-nag finding every such function has — `AwsSolutions-IAM5[Resource::*]` for the X-Ray
 * statement that tracing adds — is acknowledged here, on the role's default policy.
 *
 * Idle cost: nothing (Lambda bills per request and duration; the log group bills per GB stored).
 */
import { resolve } from 'node:path';
import { gitCommit } from '../version';
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledgeGuard } from './guard-rules';

/** The repository root: entries, `package-lock.json` and `state-machines/` are found from here. */
export const PROJECT_ROOT = resolve(__dirname, '..', '..');

/** The runtime of every control-plane Lambda. */
export const CONTROL_PLANE_RUNTIME = lambda.Runtime.NODEJS_24_X;

/**
 * Why the control-plane Lambdas (and the CDK-made ones beside them) run outside a VPC, for their
 * Control Tower CT.LAMBDA.PR.3 acknowledgement.
 */
export const LAMBDA_OUTSIDE_VPC_REASON =
  'it calls only public endpoints (AWS APIs: Step Functions, the RDS Data API, S3, CloudFormation, EC2, SSM, Cognito; ' +
  'the Azure and OpenFaaS gateway APIs) and reaches no resource inside a VPC (the database only through the Data API); ' +
  'in a VPC it would need a NAT gateway (about $32 a month per zone, against a stage that idles at about $1.40) or an ' +
  'interface endpoint per service, and network-interface setup would add cold-start latency to the steps of a benchmark.';

/** Properties of a {@link ControlPlaneFunction}. */
export interface ControlPlaneFunctionProps {
  /** The handler module (exports `handler`), relative to `projectRoot` or absolute. */
  readonly entry: string;

  /** What the function does (shown in the Lambda console). */
  readonly description: string;

  /**
   * Environment variables of the function (`AWS_REGION` is set by Lambda itself).
   *
   * @default - none besides `NODE_OPTIONS=--enable-source-maps`
   */
  readonly environment?: Readonly<Record<string, string>>;

  /**
   * Memory of the function in MiB (CPU grows with it).
   *
   * @default 256
   */
  readonly memorySizeMiB?: number;

  /**
   * How long one invocation may run.
   *
   * @default Duration.seconds(60)
   */
  readonly timeout?: Duration;

  /**
   * Retention of the function's log group.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * The repository root, against which `entry` and `package-lock.json` are resolved.
   *
   * @default PROJECT_ROOT (two folders above this file)
   */
  readonly projectRoot?: string;
}

/** A Node.js 24 / ARM64 Lambda with tracing, its own log group and a role that starts out empty. */
export class ControlPlaneFunction extends Construct implements iam.IGrantable {
  /** The function; pass it to integrations and `grantInvoke…` methods. */
  readonly function: nodejs.NodejsFunction;
  /** The execution role: holds only log writes and X-Ray until the caller grants more. */
  readonly role: iam.Role;
  /** Where the function logs. */
  readonly logGroup: logs.LogGroup;
  /** Grant to the function's role: `bucket.grantRead(fn)`, `cluster.grantDataApiAccess(fn)`. */
  readonly grantPrincipal: iam.IPrincipal;

  constructor(scope: Construct, id: string, props: ControlPlaneFunctionProps) {
    super(scope, id);
    const projectRoot = props.projectRoot ?? PROJECT_ROOT;

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: `Execution role of ${this.node.path}`,
    });
    this.logGroup.grantWrite(this.role);
    this.grantPrincipal = this.role;

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: resolve(projectRoot, props.entry),
      handler: 'handler',
      description: props.description,
      runtime: CONTROL_PLANE_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySizeMiB ?? 256,
      timeout: props.timeout ?? Duration.seconds(60),
      tracing: lambda.Tracing.ACTIVE,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment },
      projectRoot,
      depsLockFilePath: resolve(projectRoot, 'package-lock.json'),
      bundling: {
        forceDockerBundling: false,
        format: nodejs.OutputFormat.CJS,
        target: 'node24',
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        externalModules: ['@aws-sdk/*'],
        // The commit the run manifests name (lib/version.ts), fixed at synth.
        define: { FB_COMMIT: JSON.stringify(gitCommit(PROJECT_ROOT) ?? '') },
      },
    });

    acknowledgeGuard(this.function, 'CT.LAMBDA.PR.3', LAMBDA_OUTSIDE_VPC_REASON);

    const defaultPolicy = this.role.node.tryFindChild('DefaultPolicy');
    if (defaultPolicy) {
      Validations.of(defaultPolicy).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'X-Ray tracing (xray:PutTraceSegments, xray:PutTelemetryRecords) does not support resource-level permissions, ' +
          'so AWS requires Resource "*" for these two actions; nothing else in this policy uses "*".',
      });
    }
  }
}
