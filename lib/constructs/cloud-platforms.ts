/**
 * `CloudPlatforms`: what the step Lambdas need to run experiments on AWS Lambda, Azure Functions
 * and OpenFaaS (lib/platforms/README.md), and the grants for it, each on the step that uses it:
 *
 * - the code: the lab functions' aws-lambda and azure-functions packages and the client agent
 *   bundle (dist/, built by `npm run build`), uploaded as CDK assets; with an OpenFaaS gateway,
 *   each lab function's OpenFaaS image, a container asset built from its bundle folder
 *   (`dist/functions/openfaas/<function>`: the bundle and the Dockerfile) into the CDK bootstrap
 *   ECR repository at deploy time (synth only stages the folder; no Docker until `cdk deploy`);
 * - AWS Lambda: a CloudFormation service role (`LabDeployer`) that creates and deletes the per-run
 *   lab stacks (`fb-<run8>-lab`: functions, their role and log groups, a REST API with an API key
 *   and its execution log group), so the step Lambdas only call CloudFormation and pass that role;
 *   and, unless the stage says the account has one, API Gateway's account-wide CloudWatch Logs role
 *   (`ApiGatewayCloudWatchRole`), without which the lab stage's execution logging is refused;
 * - the EC2 client of Azure Functions runs: a VPC with one public subnet (no NAT; flow logs), a
 *   security group with no ingress, and the instance role SSM needs (`AmazonSSMManagedInstanceCore`);
 * - Azure: the service principal's credentials are read from an existing Secrets Manager secret
 *   (made by the operator; its name is stage config), never from the template;
 * - agent logs: a log group (`agentLogGroupName`, with retention) the EC2 clients' SSM Run Command
 *   output goes to, writable by the client instance role on that group only; Teardown may put the
 *   Azure VMs' Run Command output under `agent-logs/` of the results bucket;
 * - plans: agents on Azure VMs fetch their plan from `plans/` of the results bucket through a
 *   presigned URL (the plan holds the run's callback secret; a lifecycle rule expires leftovers).
 *
 * The config the Lambdas read (`FB_CLOUD_CONFIG`, lib/config/cloud-config.ts) is set on every
 * step Lambda. Each step's cloud grants are one separate policy (`<Step>CloudPolicy`), whose cdk-nag
 * acknowledgements name each wildcard resource it is expected to hold, one by one, with its reason:
 * a new wildcard fails cdk-nag until it is acknowledged here.
 */
import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { ArnFormat, type CfnElement, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { bundlePath } from '../../lab-functions/build';
import { LAB_FUNCTION_NAMES, type LabFunctionName } from '../../lab-functions/names';
import type { CloudPlatformsConfig } from '../config/cloud-config';
import type { ApiGatewayCloudWatchRoleMode } from '../config/stage';
import { labDeployerActions } from '../platforms/aws-lambda/lab-deployer-actions';
import { EXECUTION_LOG_GROUP_PREFIX, STAGE_NAME } from '../platforms/aws-lambda/lab-template';
import { EXPIRES_TAG_KEY, RUN_TAG_KEY } from '../platforms/run-resources';
import type { ControlPlaneFunction } from './control-plane-function';
import { PROJECT_ROOT } from './control-plane-function';
import { ApiGatewayCloudWatchRole } from './api-gateway-cloudwatch-role';
import { acknowledgeGuard } from './guard-rules';
import { acknowledgeWildcards } from './wildcard-acknowledgements';

/** Per-run names start with this (`fb-<run8>-…`). */
const RUN_NAME_PREFIX = 'fb-';

/** The step Lambdas this construct grants to, by their state name. */
export type CloudStepName = 'ValidateInput' | 'ProvisionFunctions' | 'CheckFunctionsReady' | 'ProvisionClient' | 'CheckClientReady' | 'StartAgent' | 'Teardown' | 'CheckTeardown';

/** Properties of {@link CloudPlatforms}. */
export interface CloudPlatformsProps {
  /** Every step Lambda (all get `FB_CLOUD_CONFIG`); the ones in {@link CloudStepName} get their cloud policy. */
  readonly steps: Readonly<Record<string, ControlPlaneFunction>> & Readonly<Record<CloudStepName, ControlPlaneFunction>>;

  /**
   * The Lambda that cleans up after executions that ended without their Teardown
   * (`RunExperimentSteps.cleanup`): it gets `FB_CLOUD_CONFIG` and Teardown's cloud grants.
   *
   * @default - no such Lambda
   */
  readonly cleanup?: ControlPlaneFunction;

  /**
   * The sweeper Lambda (`RunSweeper`): it gets `FB_CLOUD_CONFIG` and its own `SweepCloudPolicy`
   * (list stacks and instances; delete only `fb-*` stacks and instances that carry both the run
   * and the expiry tag).
   *
   * @default - no sweeper
   */
  readonly sweeper?: ControlPlaneFunction;

  /**
   * The callback Lambda: it carries out agents' `force-cold` requests for runs on AWS Lambda
   * (a configuration update of the run's `fb-*` function) and Azure Functions (a restart of the
   * run's app), so it gets `FB_CLOUD_CONFIG` and its own `CallbackCloudPolicy`.
   *
   * @default - no cold starts forced by the control plane (`force-cold` is refused with 400)
   */
  readonly callback?: ControlPlaneFunction;

  /** The results bucket, whose `plans/` prefix holds the agents' plans. */
  readonly plansBucket: s3.IBucket;

  /**
   * The key the plans bucket is encrypted with: StartAgent may encrypt and decrypt plans with it.
   *
   * @default - none: the bucket is not SSE-KMS encrypted, so no key grant
   */
  readonly plansKey?: kms.IKey;
  /**
   * The stage's data key, whose policy lets CloudWatch Logs of this account and region use it: the
   * per-run lab stacks encrypt their log groups with it (Control Tower's CT.CLOUDWATCH.PR.3).
   */
  readonly logsKey: kms.IKey;

  /** The Azure subscription runs deploy to, and its service principal. */
  readonly azure: {
    /** The subscription of the per-run resource groups. */
    readonly subscriptionId: string;
    /** The Azure region of the per-run resource groups, e.g. `westeurope`. */
    readonly location: string;
    /** Name of the Secrets Manager secret with `{ tenantId, clientId, clientSecret }`. */
    readonly credentialsSecretName: string;
  };

  /**
   * An OpenFaaS gateway the control plane deploys to.
   *
   * @default - no OpenFaaS platform
   */
  readonly openfaas?: {
    /** The gateway the control plane deploys the lab functions through. */
    readonly gatewayUrl: string;
    /**
     * The gateway as the clients reach it, when that differs.
     *
     * @default - `gatewayUrl`
     */
    readonly publicGatewayUrl?: string;
  };

  /** Name of the log group the EC2 clients' SSM Run Command output goes to (`/faas-benchmarker/<stage>/agent`). */
  readonly agentLogGroupName: string;

  /**
   * Retention of the agent log group.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly agentLogRetention?: logs.RetentionDays;

  /**
   * Who provides API Gateway's account-wide CloudWatch Logs role, which the lab stacks' execution
   * logging needs: `create` makes an {@link ApiGatewayCloudWatchRole} here; `existing` leaves the
   * account's setting as it is (it must name a role already).
   *
   * @default 'create'
   */
  readonly apiGatewayCloudWatchRole?: ApiGatewayCloudWatchRoleMode;

  /**
   * Retention of the client VPC's flow-log group.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
}

/** The dist/ folder of a bundle is missing: `npm run build` makes it. */
export class MissingBundleError extends Error {
  override name = 'MissingBundleError';
}

/** Key prefix of agent plans in the results bucket. */
export const PLANS_PREFIX = 'plans/';
/** Key prefix of saved agent logs in the results bucket (lib/agent-logs/names.ts `azureAgentLogKey`). */
export const AGENT_LOGS_PREFIX = 'agent-logs/';

export class CloudPlatforms extends Construct {
  /** What `FB_CLOUD_CONFIG` holds (tokens until deploy). */
  readonly config: CloudPlatformsConfig;
  /** The CloudFormation service role of the per-run lab stacks. */
  readonly labDeployer: iam.Role;
  /** API Gateway's account-wide CloudWatch Logs role and setting, unless the account has its own. */
  readonly apiGatewayCloudWatchRole: ApiGatewayCloudWatchRole | undefined;
  /** The network of EC2 clients. */
  readonly clientVpc: ec2.Vpc;
  readonly clientSecurityGroup: ec2.SecurityGroup;
  readonly clientRole: iam.Role;
  /** The lab functions' OpenFaaS images (container assets), when an OpenFaaS gateway is configured. */
  readonly openFaasImages: Readonly<Record<LabFunctionName, ecrAssets.DockerImageAsset>> | undefined;
  /** Where SSM Run Command sends the EC2 clients' command output (the agents' logs). */
  readonly agentLogGroup: logs.LogGroup;
  /** Each cloud step's own policy, by step. */
  readonly policies: Readonly<Record<CloudStepName, iam.Policy>>;
  /** The callback Lambda's policy for forcing cold starts, when {@link CloudPlatformsProps.callback} is given. */
  readonly callbackPolicy: iam.Policy | undefined;
  /** The sweeper Lambda's policy, when {@link CloudPlatformsProps.sweeper} is given. */
  readonly sweepPolicy: iam.Policy | undefined;
  /** `<logicalId>.<attribute>` of another stack's resource → the export cdk-nag names it by. */
  private readonly crossStackNames = new Map<string, string>();

  constructor(scope: Construct, id: string, props: CloudPlatformsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const asset = (name: string, path: string) => {
      const full = join(PROJECT_ROOT, path);
      if (!existsSync(full)) throw new MissingBundleError(`${path} does not exist: run \`npm run build\` before synthesizing`);
      return new s3assets.Asset(this, name, { path: full });
    };
    const lambdaCode = Object.fromEntries(LAB_FUNCTION_NAMES.map((fn) => [fn, asset(`AwsLambda-${fn}`, `dist/functions/aws-lambda/${fn}`)]));
    const azureCode = Object.fromEntries(LAB_FUNCTION_NAMES.map((fn) => [fn, asset(`AzureFunctions-${fn}`, `dist/functions/azure-functions/${fn}`)]));
    const agentBundle = asset('AgentBundle', 'dist/agent/agent.js');
    this.openFaasImages = props.openfaas ? openFaasImageAssets(this) : undefined;
    const objectArn = (code: s3assets.Asset) => code.bucket.arnForObjects(code.s3ObjectKey);

    // AWS Lambda: the lab stacks' deployer.
    const arn = (service: string, resource: string, options: { region?: string; account?: string } = {}) =>
      stack.formatArn({ service, resource, arnFormat: ArnFormat.NO_RESOURCE_NAME, ...options });
    const labFunctions = stack.formatArn({ service: 'lambda', resource: 'function', resourceName: `${RUN_NAME_PREFIX}*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    const labRoles = stack.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: `${RUN_NAME_PREFIX}*` });
    const apiGateway = (path: string) => arn('apigateway', path, { account: '' });
    const labStacks = stack.formatArn({ service: 'cloudformation', resource: 'stack', resourceName: `${RUN_NAME_PREFIX}*/*` });
    this.labDeployer = new iam.Role(this, 'LabDeployer', {
      assumedBy: new iam.ServicePrincipal('cloudformation.amazonaws.com'),
      description: 'CloudFormation service role of the per-run lab stacks (fb-<run>-lab): their functions, log groups, role and REST API',
    });
    const labLogGroups = stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: `/aws/lambda/${RUN_NAME_PREFIX}*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    // The lab API's execution log group, API-Gateway-Execution-Logs_<api id>/prod; the trailing `*`
    // also covers the `:*` (streams) form of its ARN, as the one above does.
    const labExecutionLogGroups = stack.formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: `${EXECUTION_LOG_GROUP_PREFIX}*/${STAGE_NAME}*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const anyLogGroup = stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    const deployerPolicy = new iam.Policy(this, 'LabDeployerPolicy', {
      roles: [this.labDeployer],
      statements: labDeployerStatements(labDeployerActions(), {
        functions: [labFunctions],
        roles: [labRoles],
        apis: ['/restapis', '/restapis/*', '/apikeys', '/apikeys/*', '/usageplans', '/usageplans/*', '/tags/*'].map(apiGateway),
        logGroups: [labLogGroups, labExecutionLogGroups],
        anyLogGroup: [anyLogGroup],
        code: Object.values(lambdaCode).map(objectArn),
      }),
    });
    // Each wildcard resource a policy below holds, with why it cannot be narrower; a policy acknowledges exactly its own.
    const labDeployerOnly = ' The role can only be assumed by CloudFormation, which the control plane hands it only for fb- stacks.';
    const apiIds = (collection: string) =>
      `A per-run lab stack's REST API, API key and usage plan get ids API Gateway assigns at creation, so they are reachable only under their collection path (${collection}/*).`;
    this.acknowledgeWildcards(deployerPolicy, [
      [labFunctions, `The per-run lab stacks create functions named fb-<run8>-<function> (function:fb-*).${labDeployerOnly}`],
      [labRoles, `The per-run lab stacks create one function role, which CloudFormation names fb-<run8>-lab-… (role/fb-*).${labDeployerOnly}`],
      [apiGateway('/restapis/*'), apiIds('/restapis') + labDeployerOnly],
      [apiGateway('/apikeys/*'), apiIds('/apikeys') + labDeployerOnly],
      [apiGateway('/usageplans/*'), apiIds('/usageplans') + labDeployerOnly],
      [apiGateway('/tags/*'), `Tagging the per-run REST API, API key and usage plan addresses them by the ARN API Gateway assigns (/tags/*).${labDeployerOnly}`],
      [labLogGroups, `The per-run lab stacks own their functions' log groups, /aws/lambda/fb-<run8>-<function> (log-group:/aws/lambda/fb-*).${labDeployerOnly}`],
      [
        labExecutionLogGroups,
        `The per-run lab stacks own their REST API's execution log group, named by API Gateway after the API id it assigns at creation (log-group:${EXECUTION_LOG_GROUP_PREFIX}*/${STAGE_NAME}*).${labDeployerOnly}`,
      ],
      [anyLogGroup, 'CloudFormation\'s log group handlers look a group up with logs:DescribeLogGroups, which IAM authorizes only on log-group:* (a listing, read only).'],
      ['*', 'The Lambda function delete handler calls ec2:DescribeNetworkInterfaces, which supports no resource-level permissions (read only).'],
    ]);

    this.apiGatewayCloudWatchRole = (props.apiGatewayCloudWatchRole ?? 'create') === 'create' ? new ApiGatewayCloudWatchRole(this, 'ApiGatewayCloudWatchRole') : undefined;

    // The EC2 client network.
    this.clientVpc = new ec2.Vpc(this, 'ClientVpc', {
      ipAddresses: ec2.IpAddresses.cidr('10.80.0.0/24'),
      maxAzs: 1,
      natGateways: 0,
      subnetConfiguration: [{ name: 'Client', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 26 }],
      restrictDefaultSecurityGroup: false,
    });
    const flowLogs = new logs.LogGroup(this, 'ClientVpcFlowLogs', { retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR, removalPolicy: RemovalPolicy.RETAIN });
    this.clientVpc.addFlowLog('FlowLogs', { destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs), trafficType: ec2.FlowLogTrafficType.ALL });
    this.clientSecurityGroup = new ec2.SecurityGroup(this, 'ClientSecurityGroup', {
      vpc: this.clientVpc,
      description: 'EC2 clients of faas-benchmarker runs: no ingress (driven through SSM); egress to the functions under test',
      allowAllOutbound: true,
    });
    this.clientRole = new iam.Role(this, 'ClientRole', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: 'EC2 clients of faas-benchmarker runs: SSM-managed, nothing else (plans and bundles come through presigned URLs)',
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore')],
    });
    Validations.of(this.clientRole).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore]',
      reason: 'The client instances are driven only through SSM Run Command; AmazonSSMManagedInstanceCore is the AWS-maintained minimum an SSM-managed instance needs, and the role has nothing else.',
    });
    // The agents' logs: SSM Agent sends a command's output with the instance profile's credentials
    // (CreateLogStream, PutLogEvents, DescribeLogStreams/DescribeLogGroups), here on this group only;
    // the group exists, so no CreateLogGroup. Its ARN (GetAtt Arn) already ends in `:*`, its streams.
    this.agentLogGroup = new logs.LogGroup(this, 'AgentLogs', {
      logGroupName: props.agentLogGroupName,
      retention: props.agentLogRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    new iam.Policy(this, 'ClientAgentLogPolicy', {
      roles: [this.clientRole],
      statements: [
        new iam.PolicyStatement({
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams', 'logs:DescribeLogGroups'],
          resources: [this.agentLogGroup.logGroupArn],
        }),
      ],
    });
    const clientProfile = new iam.InstanceProfile(this, 'ClientInstanceProfile', { role: this.clientRole });
    const subnet = this.clientVpc.publicSubnets[0] as ec2.ISubnet;
    acknowledgeGuard(
      subnet,
      'CT.EC2.PR.11',
      'the subnet of the EC2 clients assigns public IPs on purpose: a client must reach the functions under test over the ' +
        'internet as real clients do, without a NAT gateway (about $32 a month) in the measured path; its security group has ' +
        'no inbound rules, so the public address accepts no connections (the instances are driven through SSM).',
    );

    // Azure: the existing secret with the service principal.
    const azureSecret = secretsmanager.Secret.fromSecretNameV2(this, 'AzureCredentials', props.azure.credentialsSecretName);

    const bucketStack = Stack.of(props.plansBucket);
    if (bucketStack !== stack) {
      // cdk-nag sees the cross-stack reference as the import of the export CDK makes for it (this same `exportValue`).
      const bucketId = bucketStack.getLogicalId(props.plansBucket.node.defaultChild as CfnElement);
      const imported = stack.resolve(bucketStack.exportValue(props.plansBucket.bucketArn)) as { 'Fn::ImportValue': string };
      this.crossStackNames.set(`${bucketId}.Arn`, imported['Fn::ImportValue']);
    }
    const ec2Arn = (resource: string) => stack.formatArn({ service: 'ec2', resource, resourceName: '*' });
    const plans = props.plansBucket.arnForObjects(`${PLANS_PREFIX}*`);
    const agentLogObjects = props.plansBucket.arnForObjects(`${AGENT_LOGS_PREFIX}*`);
    // A secret's ARN ends in six random characters; by name, IAM matches them with `-??????`.
    const readAzureSecret = new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [`${azureSecret.secretArn}-??????`] });
    const keyUse = (actions: string[]) => (props.plansKey ? [new iam.PolicyStatement({ actions, resources: [props.plansKey.keyArn] })] : []);
    const statements: Record<CloudStepName, iam.PolicyStatement[]> = {
      // Whether the client's region offers the run's client size: EC2's offerings, Azure's Compute Resource SKUs (with the service principal).
      ValidateInput: [new iam.PolicyStatement({ actions: ['ec2:DescribeInstanceTypeOfferings'], resources: ['*'] }), readAzureSecret],
      ProvisionFunctions: [
        new iam.PolicyStatement({ actions: ['cloudformation:CreateStack'], resources: [labStacks] }),
        new iam.PolicyStatement({ actions: ['iam:PassRole'], resources: [this.labDeployer.roleArn], conditions: { StringEquals: { 'iam:PassedToService': 'cloudformation.amazonaws.com' } } }),
        readAzureSecret,
      ],
      CheckFunctionsReady: [
        new iam.PolicyStatement({ actions: ['cloudformation:DescribeStacks', 'cloudformation:DescribeStackEvents'], resources: [labStacks] }),
        // Azure Functions: the packages are uploaded to the run's storage account when its deployment is done.
        new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: Object.values(azureCode).map(objectArn) }),
        readAzureSecret,
      ],
      ProvisionClient: [
        new iam.PolicyStatement({
          actions: ['ec2:RunInstances'],
          resources: [
            stack.formatArn({ service: 'ec2', account: '', resource: 'image', resourceName: '*' }),
            stack.formatArn({ service: 'ec2', resource: 'subnet', resourceName: subnet.subnetId }),
            stack.formatArn({ service: 'ec2', resource: 'security-group', resourceName: this.clientSecurityGroup.securityGroupId }),
            ec2Arn('network-interface'),
          ],
        }),
        new iam.PolicyStatement({ actions: ['ec2:RunInstances'], resources: [ec2Arn('instance'), ec2Arn('volume')], conditions: { StringLike: { [`aws:RequestTag/${RUN_TAG_KEY}`]: '*' } } }),
        new iam.PolicyStatement({ actions: ['ec2:CreateTags'], resources: [ec2Arn('instance'), ec2Arn('volume')], conditions: { StringEquals: { 'ec2:CreateAction': 'RunInstances' } } }),
        new iam.PolicyStatement({ actions: ['iam:PassRole'], resources: [this.clientRole.roleArn], conditions: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } } }),
        new iam.PolicyStatement({ actions: ['ssm:GetParameters', 'ssm:GetParameter'], resources: [stack.formatArn({ service: 'ssm', account: '', resource: 'parameter', resourceName: 'aws/service/ami-amazon-linux-latest/*' })] }),
        new iam.PolicyStatement({ actions: ['ec2:DescribeInstances'], resources: ['*'] }),
        new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [objectArn(agentBundle)] }),
        readAzureSecret,
      ],
      CheckClientReady: [new iam.PolicyStatement({ actions: ['ec2:DescribeInstances', 'ssm:DescribeInstanceInformation'], resources: ['*'] }), readAzureSecret],
      StartAgent: [
        new iam.PolicyStatement({ actions: ['apigateway:GET'], resources: [apiGateway('/apikeys/*')] }),
        new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:GetObject'], resources: [plans] }),
        ...keyUse(['kms:GenerateDataKey', 'kms:Encrypt', 'kms:Decrypt']),
        new iam.PolicyStatement({ actions: ['ssm:SendCommand'], resources: [stack.formatArn({ service: 'ssm', account: '', resource: 'document', resourceName: 'AWS-RunShellScript' })] }),
        new iam.PolicyStatement({ actions: ['ssm:SendCommand'], resources: [ec2Arn('instance')], conditions: { StringLike: { [`ssm:resourceTag/${RUN_TAG_KEY}`]: '*' } } }),
        // The start command's output: the agent started, or why not (the boot script's reason).
        new iam.PolicyStatement({ actions: ['ssm:GetCommandInvocation'], resources: ['*'] }),
        readAzureSecret,
      ],
      Teardown: [
        new iam.PolicyStatement({ actions: ['cloudformation:DeleteStack'], resources: [labStacks] }),
        new iam.PolicyStatement({ actions: ['iam:PassRole'], resources: [this.labDeployer.roleArn], conditions: { StringEquals: { 'iam:PassedToService': 'cloudformation.amazonaws.com' } } }),
        new iam.PolicyStatement({ actions: ['ec2:TerminateInstances'], resources: [ec2Arn('instance')], conditions: { StringLike: { [`aws:ResourceTag/${RUN_TAG_KEY}`]: '*' } } }),
        new iam.PolicyStatement({ actions: ['ssm:SendCommand'], resources: [stack.formatArn({ service: 'ssm', account: '', resource: 'document', resourceName: 'AWS-RunShellScript' })] }),
        new iam.PolicyStatement({ actions: ['ssm:SendCommand'], resources: [ec2Arn('instance')], conditions: { StringLike: { [`ssm:resourceTag/${RUN_TAG_KEY}`]: '*' } } }),
        new iam.PolicyStatement({ actions: ['ec2:DescribeInstances', 'ssm:ListCommands', 'ssm:CancelCommand'], resources: ['*'] }),
        new iam.PolicyStatement({ actions: ['s3:DeleteObject'], resources: [plans] }),
        // An Azure VM's Run Command output (the agent's log) is saved before the VM goes.
        new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [agentLogObjects] }),
        ...keyUse(['kms:GenerateDataKey']),
        readAzureSecret,
      ],
      CheckTeardown: [
        new iam.PolicyStatement({ actions: ['cloudformation:DescribeStacks', 'cloudformation:DescribeStackEvents'], resources: [labStacks] }),
        new iam.PolicyStatement({ actions: ['ec2:DescribeInstances'], resources: ['*'] }),
        readAzureSecret,
      ],
    };
    const wildcard = {
      labStacks: [labStacks, 'The per-run lab stacks are all named fb-<run8>-lab; CloudFormation appends the stack id it assigns (stack/fb-*/*).'],
      image: [
        stack.formatArn({ service: 'ec2', account: '', resource: 'image', resourceName: '*' }),
        'The image is the latest Amazon Linux, resolved at launch from its public SSM parameter, so its AMI id is not known at synth (image/*).',
      ],
      amiParameters: [
        stack.formatArn({ service: 'ssm', account: '', resource: 'parameter', resourceName: 'aws/service/ami-amazon-linux-latest/*' }),
        "Amazon Linux's public AMI parameters, read to resolve the latest image (parameter/aws/service/ami-amazon-linux-latest/*).",
      ],
      networkInterface: [ec2Arn('network-interface'), "RunInstances creates the client's network interface, whose id EC2 assigns at launch (network-interface/*)."],
      launchedInstance: [ec2Arn('instance'), 'RunInstances creates one client instance per run, whose id EC2 assigns at launch (instance/*), only with the run tag (aws:RequestTag condition).'],
      launchedVolume: [ec2Arn('volume'), "RunInstances creates the client's root volume, whose id EC2 assigns at launch (volume/*), only with the run tag (aws:RequestTag condition)."],
      taggedInstance: [ec2Arn('instance'), 'Client instances get their ids at launch (instance/*); the statement reaches only instances with the run tag (resource-tag condition).'],
      describeOnly: ['*', 'ec2:DescribeInstances, ssm:DescribeInstanceInformation, ssm:GetCommandInvocation, ssm:ListCommands and ssm:CancelCommand support no resource-level permissions: AWS requires Resource "*" for them.'],
      describeOfferings: ['*', 'ec2:DescribeInstanceTypeOfferings (which instance types the region offers) supports no resource-level permissions: AWS requires Resource "*" for it; it only reads.'],
      apiKeys: [apiGateway('/apikeys/*'), "GetApiKey reads the key of a per-run lab API, whose id API Gateway assigns (/apikeys/*)."],
      plans: [plans, "Agent plans are one object per run (plans/<runId>.json), whose run id is made when the run starts."],
      agentLogs: [agentLogObjects, "An Azure VM's Run Command output is saved per run (agent-logs/<runId>/…)."],
    } satisfies Record<string, [string, string]>;
    const wildcards: Record<CloudStepName, [string, string][]> = {
      ValidateInput: [wildcard.describeOfferings],
      ProvisionFunctions: [wildcard.labStacks],
      CheckFunctionsReady: [wildcard.labStacks],
      ProvisionClient: [wildcard.image, wildcard.amiParameters, wildcard.networkInterface, wildcard.launchedInstance, wildcard.launchedVolume, wildcard.describeOnly],
      CheckClientReady: [wildcard.describeOnly],
      StartAgent: [wildcard.apiKeys, wildcard.plans, wildcard.taggedInstance, wildcard.describeOnly],
      Teardown: [wildcard.labStacks, wildcard.taggedInstance, wildcard.describeOnly, wildcard.plans, wildcard.agentLogs],
      CheckTeardown: [wildcard.labStacks, wildcard.describeOnly],
    };
    const policies = {} as Record<CloudStepName, iam.Policy>;
    for (const [step, stepStatements] of Object.entries(statements) as [CloudStepName, iam.PolicyStatement[]][]) {
      const fn = props.steps[step];
      const policy = new iam.Policy(this, `${step}CloudPolicy`, { roles: [fn.role], statements: stepStatements });
      this.acknowledgeWildcards(policy, wildcards[step]);
      policies[step] = policy;
    }
    this.policies = policies;
    if (props.cleanup) {
      const policy = new iam.Policy(this, 'CleanupExecutionCloudPolicy', { roles: [props.cleanup.role], statements: statements.Teardown });
      // The same grants as Teardown's, for the runs of executions that ended without reaching it.
      this.acknowledgeWildcards(policy, wildcards.Teardown);
    }
    if (props.sweeper) {
      // Deletes only what carries both tags (IAM checks them too); listing cannot be narrowed.
      const bothTags = { StringLike: { [`aws:ResourceTag/${RUN_TAG_KEY}`]: '*', [`aws:ResourceTag/${EXPIRES_TAG_KEY}`]: '*' } };
      this.sweepPolicy = new iam.Policy(this, 'SweepCloudPolicy', {
        roles: [props.sweeper.role],
        statements: [
          new iam.PolicyStatement({ actions: ['cloudformation:DescribeStacks', 'ec2:DescribeInstances'], resources: ['*'] }),
          new iam.PolicyStatement({ actions: ['cloudformation:DeleteStack'], resources: [labStacks], conditions: bothTags }),
          new iam.PolicyStatement({ actions: ['iam:PassRole'], resources: [this.labDeployer.roleArn], conditions: { StringEquals: { 'iam:PassedToService': 'cloudformation.amazonaws.com' } } }),
          new iam.PolicyStatement({ actions: ['ec2:TerminateInstances'], resources: [ec2Arn('instance')], conditions: bothTags }),
          readAzureSecret,
        ],
      });
      // Each wildcard on its own, with its own reason.
      this.acknowledgeWildcards(this.sweepPolicy, [
        ['*', 'The sweeper lists every stack (cloudformation:DescribeStacks without a stack name) and instance (ec2:DescribeInstances has no resource-level permissions) to find the run-tagged ones; both only read.'],
        [labStacks, 'DeleteStack is limited to the per-run lab stacks (stack/fb-*/*, ids assigned by CloudFormation) that carry both the run and the expiry tag (aws:ResourceTag condition).'],
        [ec2Arn('instance'), 'TerminateInstances reaches only instances that carry both the run and the expiry tag (aws:ResourceTag condition); their ids are assigned at launch.'],
      ]);
    }
    if (props.callback) {
      this.callbackPolicy = new iam.Policy(this, 'CallbackCloudPolicy', {
        roles: [props.callback.role],
        statements: [new iam.PolicyStatement({ actions: ['lambda:GetFunctionConfiguration', 'lambda:UpdateFunctionConfiguration'], resources: [labFunctions] }), readAzureSecret],
      });
      this.acknowledgeWildcards(this.callbackPolicy, [
        [
          labFunctions,
          "A forced cold start changes one environment variable of a run's own lab function, named fb-<run8>-<function> by its per-run lab stack (function:fb-*); the callback checks the run's secret and takes the function name from the run's row.",
        ],
      ]);
    }

    this.config = {
      labCode: {
        bucket: agentBundle.s3BucketName,
        awsLambda: Object.fromEntries(Object.entries(lambdaCode).map(([fn, code]) => [fn, code.s3ObjectKey])) as CloudPlatformsConfig['labCode']['awsLambda'],
        azureFunctions: Object.fromEntries(Object.entries(azureCode).map(([fn, code]) => [fn, code.s3ObjectKey])) as CloudPlatformsConfig['labCode']['azureFunctions'],
      },
      agentBundle: { bucket: agentBundle.s3BucketName, key: agentBundle.s3ObjectKey },
      plans: { bucket: props.plansBucket.bucketName, prefix: PLANS_PREFIX, ...(props.plansKey ? { kmsKeyArn: props.plansKey.keyArn } : {}) },
      awsLambda: { cloudFormationRoleArn: this.labDeployer.roleArn, logsKmsKeyArn: props.logsKey.keyArn },
      azure: { subscriptionId: props.azure.subscriptionId, location: props.azure.location, credentialsSecretArn: azureSecret.secretArn },
      agentLogGroupName: this.agentLogGroup.logGroupName,
      ec2Client: { subnetId: subnet.subnetId, securityGroupId: this.clientSecurityGroup.securityGroupId, instanceProfileArn: clientProfile.instanceProfileArn },
      ...(props.openfaas && this.openFaasImages
        ? {
            openfaas: {
              gatewayUrl: props.openfaas.gatewayUrl,
              ...(props.openfaas.publicGatewayUrl ? { publicGatewayUrl: props.openfaas.publicGatewayUrl } : {}),
              images: mapValues(this.openFaasImages, (image) => image.imageUri),
            },
          }
        : {}),
    };
    const json = stack.toJsonString(this.config);
    for (const fn of [...Object.values(props.steps), ...(props.cleanup ? [props.cleanup] : []), ...(props.callback ? [props.callback] : []), ...(props.sweeper ? [props.sweeper] : [])]) fn.function.addEnvironment('FB_CLOUD_CONFIG', json);
  }

  /** {@link acknowledgeWildcards} on one of this construct's policies, with the names cdk-nag gives this stack's imports. */
  private acknowledgeWildcards(policy: iam.Policy, wildcards: readonly (readonly [resource: string, reason: string])[]): void {
    acknowledgeWildcards(policy, wildcards, this.crossStackNames);
  }
}

/** Where each kind of lab stack resource lives (IAM resources), for {@link labDeployerStatements}. */
interface LabDeployerScopes {
  /** The lab functions, `function:fb-*`. */
  readonly functions: string[];
  /** The lab functions' execution roles, `role/fb-*`. */
  readonly roles: string[];
  /** The API Gateway paths of the lab APIs, keys and usage plans. */
  readonly apis: string[];
  /** The log groups the lab stacks own: their functions' `log-group:/aws/lambda/fb-*` and their API's `log-group:API-Gateway-Execution-Logs_*` groups. */
  readonly logGroups: string[];
  /** Every log group (`log-group:*`), for the DescribeLogGroups listing. */
  readonly anyLogGroup: string[];
  /** The lab functions' code objects. */
  readonly code: string[];
}

/**
 * The `LabDeployer` policy: `actions` (from the resource schemas' handler permissions) grouped by
 * where they apply. An action this does not know where to scope is an error, so a new resource type
 * or handler permission cannot reach the role without a decision here.
 */
export function labDeployerStatements(actions: readonly string[], scopes: LabDeployerScopes): iam.PolicyStatement[] {
  const groups = new Map<string, { resources: string[]; conditions?: Record<string, unknown>; actions: string[] }>();
  const add = (key: string, action: string, resources: string[], conditions?: Record<string, unknown>) => {
    const group = groups.get(key) ?? { resources, ...(conditions ? { conditions } : {}), actions: [] };
    group.actions.push(action);
    groups.set(key, group);
  };
  for (const action of actions) {
    const [service] = action.split(':');
    if (action === 'iam:PassRole') add('passRole', action, scopes.roles, { StringEquals: { 'iam:PassedToService': 'lambda.amazonaws.com' } });
    else if (service === 'iam') add('roles', action, scopes.roles);
    else if (service === 'lambda') add('functions', action, scopes.functions);
    else if (service === 'apigateway') add('apis', action, scopes.apis);
    else if (action === 'logs:DescribeLogGroups') add('anyLogGroup', action, scopes.anyLogGroup);
    else if (service === 'logs') add('logGroups', action, scopes.logGroups);
    else if (action === 's3:GetObject') add('code', action, scopes.code);
    else if (action === 'ec2:DescribeNetworkInterfaces') add('describeOnly', action, ['*']);
    else throw new UnscopedLabActionError(`${action}: the LabDeployer role has no scope for it; add one in labDeployerStatements or list it as not granted in lab-handler-permissions.json`);
  }
  return [...groups.values()].map((group) => new iam.PolicyStatement({ actions: group.actions, resources: group.resources, ...(group.conditions ? { conditions: group.conditions } : {}) }));
}

/** A handler permission the `LabDeployer` role has no scope for. */
export class UnscopedLabActionError extends Error {
  override name = 'UnscopedLabActionError';
}

/**
 * One container asset per lab function, built from its OpenFaaS bundle folder with the Dockerfile
 * `npm run build:functions` copies there: the context is that folder alone (a few files, the
 * bundle's hash is the image's tag), for linux/amd64, the usual OpenFaaS node. The images go to
 * the bootstrap ECR repository, which the OpenFaaS cluster must be able to pull from (README).
 */
function openFaasImageAssets(scope: Construct): Record<LabFunctionName, ecrAssets.DockerImageAsset> {
  return Object.fromEntries(
    LAB_FUNCTION_NAMES.map((fn) => {
      // The folder `npm run build:functions` writes the bundle and the Dockerfile to.
      const directory = dirname(bundlePath('openfaas', fn));
      const context = relative(PROJECT_ROOT, directory);
      if (!existsSync(join(directory, 'index.js')) || !existsSync(join(directory, 'Dockerfile'))) {
        throw new MissingBundleError(`${context} lacks its bundle or Dockerfile: run \`npm run build:functions\` before synthesizing`);
      }
      const image = new ecrAssets.DockerImageAsset(scope, `OpenFaasImage-${fn}`, {
        directory,
        file: 'Dockerfile',
        platform: ecrAssets.Platform.LINUX_AMD64,
        // Temporary files of a build that is writing the folder right now are no part of the image.
        exclude: ['*.tmp'],
        displayName: `OpenFaaS image of ${fn}`,
      });
      return [fn, image];
    }),
  ) as Record<LabFunctionName, ecrAssets.DockerImageAsset>;
}

function mapValues<K extends string, V, W>(record: Readonly<Record<K, V>>, map: (value: V) => W): Record<K, W> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, map(value as V)])) as Record<K, W>;
}
