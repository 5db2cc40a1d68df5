/**
 * Forced cold starts on Azure Functions: restarting the function app stops its host processes, so
 * the next call starts a new one. The app is the run's (`AzureFunctionsProvisioner.namesOf`). The
 * control plane does this (the agent holds no Azure credentials) when the agent asks through the
 * callback endpoint. Azure RBAC: `Microsoft.Web/sites/restart/action` on the run's resource group.
 */
import type { WebSiteManagementClient } from '@azure/arm-appservice';
import { LAB_FUNCTION_NAMES, type LabFunctionName } from '../../../lab-functions/names';
import { describe } from '../../errors/describe';
import { isTransientAzureError } from '../azure/transient';
import { ProvisionFailedError, ProvisionTransientError } from '../errors';
import type { ColdForcer } from '../platform';
import { AzureFunctionsProvisioner } from './provisioner';

export class AzureFunctionsColdForcer implements ColdForcer {
  constructor(private readonly web: WebSiteManagementClient) {}

  async forceCold(runId: string, functionName: string): Promise<void> {
    if (!(LAB_FUNCTION_NAMES as readonly string[]).includes(functionName)) throw new ProvisionFailedError(`no lab function ${functionName}`);
    const names = AzureFunctionsProvisioner.namesOf(runId);
    const app = names.apps[functionName as LabFunctionName];
    try {
      // softRestart false: the host process is stopped and started again, not just reloaded.
      await this.web.webApps.restart(names.resourceGroup, app, { softRestart: false, synchronous: true });
    } catch (error) {
      const message = `restart ${app}: ${describe(error)}`;
      throw isTransientAzureError(error) ? new ProvisionTransientError(message) : new ProvisionFailedError(message);
    }
  }
}
