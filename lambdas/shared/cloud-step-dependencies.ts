/**
 * The cloud half of the step dependencies: from the validated `FB_CLOUD_CONFIG`
 * (lib/config/cloud-config.ts, written by the CDK stack), the function provisioner and client
 * of every cloud platform the deployment enables:
 *
 * | platform        | functions                                   | client (opposite cloud)                     |
 * |-----------------|---------------------------------------------|---------------------------------------------|
 * | aws-lambda      | per-run CloudFormation stack (REST API+key) | per-run Azure VM, agent via Run Command     |
 * | azure-functions | per-run resource group of function apps     | per-run EC2 instance, agent via SSM         |
 * | openfaas        | per-run functions through the gateway       | per-run Azure VM, agent via Run Command     |
 *
 * OpenFaaS functions are deployed from the images the stack built into ECR (`openfaas.images`).
 *
 * SDK clients are made here, once per Lambda execution environment; nothing talks to a cloud
 * until a step calls it. Azure is reached with the service principal in Secrets Manager.
 */
import { EC2Client } from '@aws-sdk/client-ec2';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { ComputeManagementClient } from '@azure/arm-compute';
import type { WebSiteManagementClient } from '@azure/arm-appservice';
import { ResourceManagementClient } from '@azure/arm-resources';
import type { StorageManagementClient } from '@azure/arm-storage';
import type { TokenCredential } from '@azure/core-auth';
import { saveAzureAgentLog } from '../../lib/agent-logs/bucket-agent-log';
import { type CloudPlatformsConfig, enabledCloudPlatforms } from '../../lib/config/cloud-config';
import { Ec2ClientMachine } from '../../lib/platforms/aws/ec2-client-machine';
import { S3PlanStore } from '../../lib/platforms/aws/s3-plan-store';
import { SsmAgentDriver } from '../../lib/platforms/aws/ssm-agent-driver';
import { AwsLambdaProvisioner } from '../../lib/platforms/aws-lambda/provisioner';
import { SecretsManagerAzureCredential } from '../../lib/platforms/azure/credential';
import { AzureRunCommandDriver } from '../../lib/platforms/azure/run-command-driver';
import { AzureVmClientMachine } from '../../lib/platforms/azure/vm-client-machine';
import { AzureFunctionsProvisioner, type AzureFunctionsProvisionerOptions } from '../../lib/platforms/azure-functions/provisioner';
import { MACHINE_AGENT_COMMAND, MACHINE_BOOT_WAIT } from '../../lib/platforms/client/boot-script';
import { MachineClientDriver } from '../../lib/platforms/client/machine-client-driver';
import { OpenFaasProvisioner } from '../../lib/platforms/openfaas/provisioner';
import type { AgentBundleUrl, ClientDriver, FunctionProvisioner } from '../../lib/platforms/platform';

export { cloudConfigFromEnvironment, InvalidCloudConfigError } from './cloud-config-environment';

/** A lab package the stack uploaded is not where the config says. */
export class LabPackageMissingError extends Error {
  override name = 'LabPackageMissingError';
}

/** How long a client machine has to download the agent bundle through its presigned URL. */
const AGENT_BUNDLE_URL_SECONDS = 3600;

export interface CloudPlatforms {
  provisioners: Record<string, FunctionProvisioner>;
  clients: Record<string, ClientDriver>;
  /** For each cloud platform this deployment cannot run, what it lacks. */
  unavailable: Record<string, string>;
}

/** Clients the platforms are built on; tests pass their own (mocks, or ones pointed at local fakes). */
export interface CloudClients {
  s3: S3Client;
  ec2: EC2Client;
  ssm: SSMClient;
  azureCredential?: TokenCredential;
  resources?: ResourceManagementClient;
  compute?: ComputeManagementClient;
  storage?: StorageManagementClient;
  web?: WebSiteManagementClient;
  blobServiceFor?: AzureFunctionsProvisionerOptions['blobServiceFor'];
}

export function cloudPlatforms(config: CloudPlatformsConfig | undefined, region: string, overrides: Partial<CloudClients> = {}): CloudPlatforms {
  const { enabled, missing } = enabledCloudPlatforms(config);
  if (!config) return { provisioners: {}, clients: {}, unavailable: missing };
  const s3 = overrides.s3 ?? new S3Client({ region });
  const provisioners: Record<string, FunctionProvisioner> = {};
  const clients: Record<string, ClientDriver> = {};

  const agentBundleUrl: AgentBundleUrl = () => getSignedUrl(s3, new GetObjectCommand({ Bucket: config.agentBundle.bucket, Key: config.agentBundle.key }), { expiresIn: AGENT_BUNDLE_URL_SECONDS });
  const plans = new S3PlanStore({ s3, bucket: config.plans.bucket, prefix: config.plans.prefix, ...(config.plans.kmsKeyArn ? { kmsKeyId: config.plans.kmsKeyArn } : {}) });

  let azureVmClient: (() => ClientDriver) | undefined;
  let azure: Pick<AzureFunctionsProvisionerOptions, 'credential' | 'subscriptionId' | 'location' | 'resources' | 'storage' | 'web' | 'blobServiceFor'> | undefined;
  if (config.azure) {
    const credential = overrides.azureCredential ?? new SecretsManagerAzureCredential(new SecretsManagerClient({ region }), config.azure.credentialsSecretArn);
    const resources = overrides.resources ?? new ResourceManagementClient(credential, config.azure.subscriptionId);
    azure = {
      credential,
      subscriptionId: config.azure.subscriptionId,
      location: config.azure.location,
      resources,
      ...(overrides.storage ? { storage: overrides.storage } : {}),
      ...(overrides.web ? { web: overrides.web } : {}),
      ...(overrides.blobServiceFor ? { blobServiceFor: overrides.blobServiceFor } : {}),
    };
    const compute = overrides.compute ?? new ComputeManagementClient(credential, config.azure.subscriptionId);
    const location = config.azure.location;
    azureVmClient = () =>
      new MachineClientDriver(
        new AzureVmClientMachine({ resources, compute, agentBundleUrl, location }),
        // The VM is the run's own: the driver takes its resource group and name from the branch.
        new AzureRunCommandDriver({
          compute,
          planUrlFor: (plan) => plans.urlFor(plan),
          agentCommand: MACHINE_AGENT_COMMAND,
          bootWait: MACHINE_BOOT_WAIT,
          // The agent's log (the teardown Run Command's output) goes to the results bucket, which also holds the plans.
          saveAgentLog: (runId, output) => saveAzureAgentLog(s3, { bucket: config.plans.bucket, ...(config.plans.kmsKeyArn ? { kmsKeyId: config.plans.kmsKeyArn } : {}) }, runId, output),
        }),
        (runId) => plans.remove(runId),
      );
  }

  if (enabled.includes('aws-lambda') && config.awsLambda && azureVmClient) {
    provisioners['aws-lambda'] = new AwsLambdaProvisioner({
      codeBucket: config.labCode.bucket,
      codeKeys: config.labCode.awsLambda,
      cloudFormationRoleArn: config.awsLambda.cloudFormationRoleArn,
      logsKmsKeyArn: config.awsLambda.logsKmsKeyArn,
    });
    clients['aws-lambda'] = azureVmClient();
  }
  if (enabled.includes('openfaas') && config.openfaas && azureVmClient) {
    provisioners.openfaas = new OpenFaasProvisioner({
      gatewayUrl: config.openfaas.gatewayUrl,
      images: config.openfaas.images,
      ...(config.openfaas.publicGatewayUrl ? { publicGatewayUrl: config.openfaas.publicGatewayUrl } : {}),
    });
    clients.openfaas = azureVmClient();
  }
  if (enabled.includes('azure-functions') && azure && config.ec2Client) {
    const { labCode } = config;
    provisioners['azure-functions'] = new AzureFunctionsProvisioner({
      ...azure,
      packageOf: async (functionName) => {
        const answer = await s3.send(new GetObjectCommand({ Bucket: labCode.bucket, Key: labCode.azureFunctions[functionName] }));
        if (!answer.Body) throw new LabPackageMissingError(`s3://${labCode.bucket}/${labCode.azureFunctions[functionName]} is empty`);
        return Buffer.from(await answer.Body.transformToByteArray());
      },
    });
    const ec2 = overrides.ec2 ?? new EC2Client({ region });
    const ssm = overrides.ssm ?? new SSMClient({ region });
    clients['azure-functions'] = new MachineClientDriver(
      new Ec2ClientMachine({ ec2, ssm, agentBundleUrl, ...config.ec2Client }),
      new SsmAgentDriver({
        ssm,
        s3,
        planBucket: config.plans.bucket,
        planPrefix: config.plans.prefix,
        ...(config.plans.kmsKeyArn ? { planKmsKeyId: config.plans.kmsKeyArn } : {}),
        agentCommand: MACHINE_AGENT_COMMAND,
          bootWait: MACHINE_BOOT_WAIT,
        ...(config.agentLogGroupName ? { logGroupName: config.agentLogGroupName } : {}),
      }),
    );
  }
  return { provisioners, clients, unavailable: missing };
}
