/**
 * The sweeper Lambda, run hourly by an EventBridge Scheduler schedule (and by `fb sweep --stage`):
 * removes the per-run resources whose expiry tag has passed (lib/sweep), answers the report and
 * logs it as one `sweep` line (counts and every line of the report).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { EC2Client } from '@aws-sdk/client-ec2';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ResourceManagementClient } from '@azure/arm-resources';
import { SecretsManagerAzureCredential } from '../../lib/platforms/azure/credential';
import { cloudSweepSources } from '../../lib/sweep/cloud-sources';
import { sweep } from '../../lib/sweep/sweep';
import { sweepRequestSchema } from '../../lib/sweep/sweep-request';
import { cloudConfigFromEnvironment } from '../shared/cloud-step-dependencies';
import { requireEnv } from '../shared/environment';
import { createStepHandler } from '../shared/step-handler';

const region = requireEnv(process.env, 'AWS_REGION');
const config = cloudConfigFromEnvironment(process.env);
const azure = config?.azure;
const sources = cloudSweepSources({
  cloudFormation: new CloudFormationClient({ region }),
  ec2: new EC2Client({ region }),
  ...(azure ? { azureResources: new ResourceManagementClient(new SecretsManagerAzureCredential(new SecretsManagerClient({ region }), azure.credentialsSecretArn), azure.subscriptionId) } : {}),
  ...(config?.openfaas ? { openfaas: { gatewayUrl: config.openfaas.gatewayUrl } } : {}),
});
const logger = new Logger({ serviceName: 'faas-benchmarker-control-plane' });

export const handler = createStepHandler({
  stateName: 'Sweep',
  schema: sweepRequestSchema,
  logger,
  run: async (request) => {
    const report = await sweep(sources, { dryRun: request.dryRun });
    logger.info('sweep', { removed: report.removed.length, kept: report.kept.length, failed: report.failed.length, report });
    return report;
  },
});
