/**
 * The deployed control plane's cloud wiring: from `FB_CLOUD_CONFIG` to the provisioners and
 * clients of each platform, checked by what they send (aws-sdk-client-mock) for the config's
 * resources: the lab stack's deployer role and code keys, the EC2 client's network and the agent
 * bundle it downloads, SSM commands to the run's own instance.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetCommandInvocationCommand, SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { CloudPlatformsConfig } from '../../lib/config/cloud-config';
import { MACHINE_AGENT_COMMAND, MACHINE_BOOT_WAIT } from '../../lib/platforms/client/boot-script';
import { createSteps, type StepDependencies } from '../../lib/control-plane/steps';
import { fakeCredential } from '../../test-support/fake-arm';
import { cloudConfigFromEnvironment, cloudPlatforms, InvalidCloudConfigError } from './cloud-step-dependencies';

const KEYS = (platform: string) => Object.fromEntries(['function1', 'function2', 'function3', 'monolith'].map((fn) => [fn, `${platform}-${fn}.zip`])) as CloudPlatformsConfig['labCode']['awsLambda'];
const IMAGES = Object.fromEntries(['function1', 'function2', 'function3', 'monolith'].map((fn) => [fn, `123456789012.dkr.ecr.eu-west-1.amazonaws.com/cdk-hnb659fds-container-assets-123456789012-eu-west-1:${fn}-0123`])) as NonNullable<CloudPlatformsConfig['openfaas']>['images'];
const CONFIG: CloudPlatformsConfig = {
  labCode: { bucket: 'cdk-assets', awsLambda: KEYS('lambda'), azureFunctions: KEYS('azure') },
  agentBundle: { bucket: 'cdk-assets', key: 'agent-0123.js' },
  plans: { bucket: 'fb-results', prefix: 'plans/', kmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/abc' },
  awsLambda: { cloudFormationRoleArn: 'arn:aws:iam::123456789012:role/LabDeployer', logsKmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-4000-8000-000000000000' },
  azure: { subscriptionId: '00000000-0000-4000-8000-000000000000', location: 'westeurope', credentialsSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:faas-benchmarker/azure-AbCdEf' },
  ec2Client: { subnetId: 'subnet-0abc', securityGroupId: 'sg-0abc', instanceProfileArn: 'arn:aws:iam::123456789012:instance-profile/fb-client' },
  openfaas: { gatewayUrl: 'https://gateway.example.org', images: IMAGES },
  agentLogGroupName: '/faas-benchmarker/dev/agent',
};
const RUN_ID = '1a2b3c4d-0000-4000-8000-000000000001';
const branch = (platform: string, extra: Record<string, unknown> = {}) => ({ run: { runId: RUN_ID, platform }, experiment: 'linear-invocation', params: {}, quick: true, platformOptions: {}, ...extra });

const cfn = mockClient(CloudFormationClient);
const ec2 = mockClient(EC2Client);
const ssm = mockClient(SSMClient);
const s3 = mockClient(S3Client);
beforeEach(() => {
  for (const mock of [cfn, ec2, ssm, s3]) mock.reset();
});

function clients() {
  const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'example' };
  return { s3: new S3Client({ region: 'eu-west-1', credentials }), ec2: new EC2Client({ region: 'eu-west-1', credentials }), ssm: new SSMClient({ region: 'eu-west-1', credentials }), azureCredential: fakeCredential };
}

describe('FB_CLOUD_CONFIG', () => {
  it('is optional, must be JSON, and names every bad field', () => {
    expect(cloudConfigFromEnvironment({})).toBeUndefined();
    expect(cloudConfigFromEnvironment({ FB_CLOUD_CONFIG: JSON.stringify(CONFIG) })).toEqual(CONFIG);
    expect(() => cloudConfigFromEnvironment({ FB_CLOUD_CONFIG: '{' })).toThrow(InvalidCloudConfigError);
    const bad = { ...CONFIG, azure: { ...CONFIG.azure, subscriptionId: 'nope' }, agentBundle: {} };
    expect(() => cloudConfigFromEnvironment({ FB_CLOUD_CONFIG: JSON.stringify(bad) })).toThrow(/azure\.subscriptionId.*agentBundle\.bucket|agentBundle\.bucket.*azure\.subscriptionId/);
  });
});

describe('cloudPlatforms', () => {
  it('enables every platform whose functions and opposite-cloud client are configured', () => {
    const all = cloudPlatforms(CONFIG, 'eu-west-1', clients());
    expect(Object.keys(all.provisioners).sort()).toEqual(['aws-lambda', 'azure-functions', 'openfaas']);
    expect(Object.keys(all.clients).sort()).toEqual(['aws-lambda', 'azure-functions', 'openfaas']);
    expect(all.unavailable).toEqual({});
  });

  it('says what each missing platform lacks, and ValidateInput refuses it with that', async () => {
    const { azure: _azure, openfaas: _openfaas, ...withoutAzure } = CONFIG;
    const partial = cloudPlatforms(withoutAzure, 'eu-west-1', clients());
    expect(partial.provisioners).toEqual({});
    expect(partial.unavailable).toEqual({
      'aws-lambda': 'Azure (its client is an Azure VM)',
      'azure-functions': 'Azure',
      openfaas: 'an OpenFaaS gateway URL and Azure (its client is an Azure VM)',
    });
    const steps = createSteps({ ...partial, heartbeatIntervalMs: 1000 } as unknown as StepDependencies);
    await expect(steps.ValidateInput({ experiment: 'linear-invocation', platforms: ['aws-lambda'] })).rejects.toThrow(
      /cannot provision aws-lambda \(needs Azure \(its client is an Azure VM\)\); it can: none/,
    );
    expect(cloudPlatforms(undefined, 'eu-west-1').unavailable).toHaveProperty('aws-lambda');
  });

  it('aws-lambda: creates the lab stack with the deployer role and the uploaded code', async () => {
    cfn.on(CreateStackCommand).resolves({ StackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/fb-1a2b3c4d-lab/x' });
    await cloudPlatforms(CONFIG, 'eu-west-1', clients()).provisioners['aws-lambda']?.provision(branch('aws-lambda'));
    const input = cfn.commandCalls(CreateStackCommand)[0]?.args[0].input;
    expect(input?.RoleARN).toBe(CONFIG.awsLambda?.cloudFormationRoleArn);
    const template = JSON.stringify(JSON.parse(input?.TemplateBody ?? '{}'));
    for (const key of Object.values(CONFIG.labCode.awsLambda)) expect(template).toContain(`"S3Key":"${key}"`);
    expect(template).toContain('"S3Bucket":"cdk-assets"');
    // Its log groups are encrypted with the stage's data key (Control Tower's CT.CLOUDWATCH.PR.3).
    const logGroups = Object.values(JSON.parse(input?.TemplateBody ?? '{}').Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>).filter(
      (resource) => resource.Type === 'AWS::Logs::LogGroup',
    );
    expect(logGroups.length).toBeGreaterThan(0);
    for (const logGroup of logGroups) expect(logGroup.Properties.KmsKeyId).toBe(CONFIG.awsLambda?.logsKmsKeyArn);
  });

  it('azure-functions: the EC2 client boots in the configured network with the agent bundle, and SSM starts the agent on that instance, its output to the agent log group', async () => {
    const platforms = cloudPlatforms(CONFIG, 'eu-west-1', clients());
    ec2.on(RunInstancesCommand).resolves({ Instances: [{ InstanceId: 'i-0123456789abcdef0', LaunchTime: new Date() }] });
    const client = platforms.clients['azure-functions'];
    const created = await client?.provision(branch('azure-functions'));
    expect(created).toMatchObject({ kind: 'ec2', instanceId: 'i-0123456789abcdef0' });
    const run = ec2.commandCalls(RunInstancesCommand)[0]?.args[0].input;
    expect(run?.IamInstanceProfile).toEqual({ Arn: CONFIG.ec2Client?.instanceProfileArn });
    expect(run?.NetworkInterfaces?.[0]).toMatchObject({ SubnetId: 'subnet-0abc', Groups: ['sg-0abc'] });
    const userData = Buffer.from(run?.UserData ?? '', 'base64').toString('utf8');
    expect(userData).toMatch(/https:\/\/cdk-assets\.s3\.eu-west-1\.amazonaws\.com\/agent-0123\.js\?X-Amz-/);

    s3.on(PutObjectCommand).resolves({});
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-1' } });
    ssm.on(GetCommandInvocationCommand).resolves({ Status: 'Success', StandardOutputContent: `faas-benchmarker agent started: run ${RUN_ID} pid 4242\n` });
    const plan = { runId: RUN_ID, callback: { url: 'https://cb.example.org/callback', runId: RUN_ID, secret: 'secret-0123456789' } } as never;
    await client?.startAgent(plan, branch('azure-functions', { client: { kind: 'ec2', instanceId: 'i-0123456789abcdef0', ready: true } }) as never);
    const put = s3.commandCalls(PutObjectCommand)[0]?.args[0].input;
    expect(put).toMatchObject({ Bucket: 'fb-results', Key: `plans/${RUN_ID}.json`, SSEKMSKeyId: CONFIG.plans.kmsKeyArn });
    const command = ssm.commandCalls(SendCommandCommand)[0]?.args[0].input;
    expect(command?.InstanceIds).toEqual(['i-0123456789abcdef0']);
    expect(command?.CloudWatchOutputConfig).toEqual({ CloudWatchOutputEnabled: true, CloudWatchLogGroupName: '/faas-benchmarker/dev/agent' });
    expect(command?.Parameters?.commands?.join('\n')).toContain(MACHINE_AGENT_COMMAND);
    // The start command waits for the boot script's markers, then starts the agent as its own unit.
    expect(command?.Parameters?.commands?.join('\n')).toContain(MACHINE_BOOT_WAIT.failedFile);
    expect(command?.Parameters?.commands?.join('\n')).toContain(`systemd-run --unit='fb-agent-${RUN_ID}' --collect`);
    expect(ssm.commandCalls(GetCommandInvocationCommand)[0]?.args[0].input).toEqual({ CommandId: 'cmd-1', InstanceId: 'i-0123456789abcdef0' });
    expect(JSON.stringify(command)).not.toContain('secret-0123456789');
  });

  it('openfaas: deploys each lab function from the image FB_CLOUD_CONFIG names (the stack\'s ECR assets)', async () => {
    const images: string[] = [];
    const gateway = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => {
        body += chunk.toString('utf8');
      });
      req.on('end', () => {
        if (req.method === 'POST') images.push((JSON.parse(body) as { image: string }).image);
        res.writeHead(202).end();
      });
    });
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    try {
      const gatewayUrl = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
      const config = cloudConfigFromEnvironment({ FB_CLOUD_CONFIG: JSON.stringify({ ...CONFIG, openfaas: { gatewayUrl, images: IMAGES } }) });
      await cloudPlatforms(config, 'eu-west-1', clients()).provisioners.openfaas?.provision(branch('openfaas'));
      expect(images).toEqual(Object.values(IMAGES));
    } finally {
      await new Promise<void>((resolve) => gateway.close(() => resolve()));
    }
  });
});
