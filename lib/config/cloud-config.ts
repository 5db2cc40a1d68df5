/**
 * What the deployed control plane needs to run experiments on the cloud platforms: the contract
 * between the CDK stack, which makes these resources and writes this config into the step
 * Lambdas' `FB_CLOUD_CONFIG` (JSON), and the Lambdas, which validate it once at module load
 * (lambdas/shared/cloud-step-dependencies.ts) and build the provisioners and client drivers from it.
 *
 * Which platforms it enables (each needs its functions' home and a client on the opposite cloud,
 * docs/architecture.md):
 * - `aws-lambda`: `awsLambda` (a per-run CloudFormation stack) and `azure` (the client is an Azure VM);
 * - `azure-functions`: `azure` (a per-run resource group of function apps) and `ec2Client` (an EC2 client);
 * - `openfaas`: `openfaas` (a gateway) and `azure` (an Azure VM client).
 */
import { z } from 'zod';
import { LAB_FUNCTION_NAMES, type LabFunctionName } from '../../lab-functions/names';

const name = z.string().min(1);
/** One non-empty string per lab function: a code key, an image name. */
const perFunction = z.strictObject(Object.fromEntries(LAB_FUNCTION_NAMES.map((fn) => [fn, name])) as Record<LabFunctionName, typeof name>);
const codeKeys = perFunction;

export const cloudPlatformsConfigSchema = z.strictObject({
  /** The zipped lab-function packages (CDK assets): per platform, the key of each function's zip. */
  labCode: z.strictObject({ bucket: name, awsLambda: codeKeys, azureFunctions: codeKeys }),
  /** The agent bundle (dist/agent/agent.js, a CDK asset) client machines download at boot. */
  agentBundle: z.strictObject({ bucket: name, key: name }),
  /** Where agent plans are put for machines that fetch them (they hold the run's callback secret). */
  plans: z.strictObject({ bucket: name, prefix: name, kmsKeyArn: z.string().startsWith('arn:').optional() }),
  awsLambda: z
    .strictObject({
      cloudFormationRoleArn: z.string().startsWith('arn:'),
      /** The stage's data key: the lab stack's log groups are encrypted with it (Control Tower's CT.CLOUDWATCH.PR.3). */
      logsKmsKeyArn: z.string().startsWith('arn:'),
    })
    .optional(),
  azure: z
    .strictObject({
      subscriptionId: z.string().uuid(),
      /** Region of the per-run resource groups, e.g. `westeurope`. */
      location: z.string().regex(/^[a-z0-9]+$/),
      /** Secrets Manager secret holding `{ tenantId, clientId, clientSecret }` of the service principal. */
      credentialsSecretArn: z.string().startsWith('arn:'),
    })
    .optional(),
  ec2Client: z.strictObject({ subnetId: name, securityGroupId: name, instanceProfileArn: z.string().startsWith('arn:') }).optional(),
  /** The CloudWatch Logs group SSM Run Command sends the EC2 clients' agent commands' output to. */
  agentLogGroupName: name.optional(),
  openfaas: z
    .strictObject({
      gatewayUrl: z.string().url(),
      publicGatewayUrl: z.string().url().optional(),
      /** The image each lab function is deployed from: the stack's container assets in ECR. */
      images: perFunction,
    })
    .optional(),
});

export type CloudPlatformsConfig = z.infer<typeof cloudPlatformsConfigSchema>;

/** The cloud platforms a config enables, and for each one it does not, what is missing. */
export function enabledCloudPlatforms(config: CloudPlatformsConfig | undefined): { enabled: string[]; missing: Record<string, string> } {
  const needs: Record<string, [boolean, string][]> = {
    'aws-lambda': [
      [Boolean(config?.awsLambda), 'the lab-stack deployer role'],
      [Boolean(config?.azure), 'Azure (its client is an Azure VM)'],
    ],
    'azure-functions': [
      [Boolean(config?.azure), 'Azure'],
      [Boolean(config?.ec2Client), 'the EC2 client network'],
    ],
    openfaas: [
      [Boolean(config?.openfaas), 'an OpenFaaS gateway URL'],
      [Boolean(config?.azure), 'Azure (its client is an Azure VM)'],
    ],
  };
  const enabled: string[] = [];
  const missing: Record<string, string> = {};
  for (const [platform, requirements] of Object.entries(needs)) {
    const lacking = requirements.filter(([present]) => !present).map(([, what]) => what);
    if (lacking.length) missing[platform] = lacking.join(' and ');
    else enabled.push(platform);
  }
  return { enabled, missing };
}
