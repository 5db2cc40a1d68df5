/**
 * Where the deletion of a run's resource group stands: Azure deletes a group asynchronously
 * (`beginDelete` returns once the request is accepted), and a deletion can stop with resources
 * left (a lock, a dependency outside the group). The group is `gone` once a GET answers 404; it
 * is still going while its provisioning state is `Deleting`; any other state after Teardown asked
 * for its deletion means the deletion stopped, which fails the run with what is left.
 */
import type { ResourceManagementClient } from '@azure/arm-resources';
import { redactCredentials } from '../../errors/redact';
import { ProvisionTransientError } from '../errors';
import type { RemovalCheck } from '../platform';
import { azureStatusCode, describeAzureError, isTransientAzureError } from './transient';

export async function resourceGroupRemoval(resources: Pick<ResourceManagementClient, 'resourceGroups'>, group: string): Promise<RemovalCheck> {
  try {
    const found = await resources.resourceGroups.get(group);
    const state = found.properties?.provisioningState ?? 'unknown';
    if (state === 'Deleting') return { gone: false, state };
    return { gone: false, failed: true, state, reason: `resource group ${group} still exists (provisioning state ${state}): its deletion stopped with resources left` };
  } catch (error) {
    if (azureStatusCode(error) === 404) return { gone: true, state: 'deleted' };
    const message = redactCredentials(`could not read resource group ${group}: ${describeAzureError(error)}`);
    if (isTransientAzureError(error)) throw new ProvisionTransientError(message);
    throw new Error(message);
  }
}
