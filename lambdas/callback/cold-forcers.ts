/**
 * The cold forcers of the deployed callback endpoint, one per cloud platform the deployment
 * enables where the agent cannot force a cold start itself (it holds no cloud credentials):
 * - `aws-lambda`: {@link LambdaColdForcer} (a configuration update of `fb-<run8>-<function>`);
 * - `azure-functions`: {@link AzureFunctionsColdForcer} (a restart of the run's function app),
 *   with the service principal from Secrets Manager, read on first use.
 * OpenFaaS runs need none: their agent scales to zero through the gateway.
 *
 * The callback Lambda has 29 s (API Gateway's integration limit), so the Lambda forcer waits at
 * most {@link LAMBDA_UPDATE_WAIT_MS} for the update to be active; a slower one answers 502 and the
 * agent may ask again.
 */
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { WebSiteManagementClient } from '@azure/arm-appservice';
import type { RunColdForcer } from '../../lib/callback/run-cold-forcer';
import { type CloudPlatformsConfig, enabledCloudPlatforms } from '../../lib/config/cloud-config';
import { LambdaColdForcer } from '../../lib/platforms/aws-lambda/cold-forcer';
import { SecretsManagerAzureCredential } from '../../lib/platforms/azure/credential';
import { AzureFunctionsColdForcer } from '../../lib/platforms/azure-functions/cold-forcer';

/** How long the callback waits for a Lambda configuration update to be active. */
export const LAMBDA_UPDATE_WAIT_MS = 20_000;

/** Clients the forcers use; tests pass their own (mocks, or ones pointed at the fake ARM endpoint). */
export interface ColdForcerClients {
  lambda?: LambdaClient;
  web?: WebSiteManagementClient;
}

/** The forcer of each enabled cloud platform that needs the control plane to force cold starts. */
export function cloudColdForcers(config: CloudPlatformsConfig | undefined, region: string, clients: ColdForcerClients = {}): Record<string, RunColdForcer> {
  const { enabled } = enabledCloudPlatforms(config);
  const forcers: Record<string, RunColdForcer> = {};
  if (enabled.includes('aws-lambda')) {
    forcers['aws-lambda'] = new LambdaColdForcer({ lambda: clients.lambda ?? new LambdaClient({ region }), timeoutMs: LAMBDA_UPDATE_WAIT_MS });
  }
  const azure = config?.azure;
  if (enabled.includes('azure-functions') && azure) {
    const web =
      clients.web ?? new WebSiteManagementClient(new SecretsManagerAzureCredential(new SecretsManagerClient({ region }), azure.credentialsSecretArn), azure.subscriptionId);
    forcers['azure-functions'] = new AzureFunctionsColdForcer(web);
  }
  return forcers;
}
