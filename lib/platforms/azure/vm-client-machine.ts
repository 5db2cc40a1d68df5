/**
 * The client machine of a run whose functions are on AWS Lambda or OpenFaaS: one Azure Linux VM
 * per run, in its own resource group, on which `AzureRunCommandDriver` later starts the agent (it
 * finds the VM from `input.client.resourceGroup` and `input.client.vmName`).
 *
 * Everything is named after the run: the group `fb-<run8>-client`, the VM `fb-<run8>-client-vm`,
 * the ARM deployment `client`, so every method works from the run id alone.
 *
 * - create: creates (or updates) the group with the run tag, then starts the deployment of
 *   `azureVmTemplate` (NSG denying all inbound, VNet + subnet, Standard static public IP for
 *   outbound, NIC, Ubuntu 22.04 VM with a throwaway SSH key, password login off, and
 *   `clientBootScript` as custom data through a secureString parameter) and returns without
 *   waiting for it, answering the names and the VM size (`platformOptions.clientVmSize`, which
 *   ProvisionClient fills from the experiment's declaration, else the option). A retried create that finds the deployment already there answers it instead
 *   of deploying again: a second deployment would carry a fresh bundle URL and SSH key, and Azure
 *   refuses to change a VM's customData or SSH keys once it exists.
 * - check: the deployment's state (Running/Accepted → not ready; Failed → failed with the first
 *   failed operation's error), then, once Succeeded, the VM's instance view: `PowerState/running`
 *   and the VM agent `Ready` (Run Command needs the agent) → ready. Not ready `bootTimeoutMs` after
 *   create → failed, naming what was still missing. Every answer keeps `resourceGroup`, `vmName`
 *   and `createdAt`, because the state machine replaces `$.client` with each answer.
 * - destroy: starts deleting the run's resource group (VMs force-deleted) and returns; a group
 *   already gone is fine.
 * - checkSizeOffered (ValidateInput, before anything is made): the Compute Resource SKUs of the
 *   location (`resourceSkus.list` with `$filter=location eq '<location>'`, every page). The run's
 *   VM size must be listed there as a `virtualMachines` SKU without a `Location` restriction that
 *   names the location; otherwise ClientSizeNotOfferedError, naming the restriction's reason code.
 *   ARM documents the list as the Microsoft.Compute SKUs available to the subscription, filtered by
 *   location only (Resource Skus - List, https://learn.microsoft.com/rest/api/compute/resource-skus/list,
 *   read 2026-12-06); a restriction's reasonCode is `QuotaId` (the subscription's offer does not
 *   include the SKU) or `NotAvailableForSubscription` (related to capacity in the datacenter), and
 *   for type `Location` its values are the locations where the SKU is restricted (the Azure SDK's
 *   Restriction model, the same fields as arm-compute's ResourceSkuRestrictions,
 *   https://learn.microsoft.com/javascript/api/@azure/arm-storage/restriction, read 2026-12-06). `Zone` restrictions are ignored: the VM is not pinned to a zone. A list ARM could
 *   not give (throttled, 5xx, no `Microsoft.Compute/skus/read`, too slow) is reported through
 *   `onWarning` and refuses nothing, as on EC2 (lib/platforms/aws/ec2-client-machine.ts says why).
 *
 * Throttling, 5xx answers and network failures become ProvisionTransientError (the state machine
 * retries it). Answers and error messages never hold the presigned bundle URL, the custom data or
 * any URL's query string.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { ComputeManagementClient, ResourceSku, VirtualMachineInstanceView } from '@azure/arm-compute';
import type { DeploymentExtended, ErrorResponse, ResourceManagementClient } from '@azure/arm-resources';
import { errorCodeOf } from '../../errors/describe';
import { redactCredentials } from '../../errors/redact';
// The agent bundle URL is an S3 presign: its failures are AWS ones.
import { isTransientAwsError } from '../aws/transient';
import { clientBootScript } from '../client/boot-script';
import { AZURE_VM_SIZE, type ClientSizing } from '../client/machine-size';
import { clientSizeNotOffered, SIZE_CHECK_TIMEOUT_MS, type SizeCheckWarning, warnOnConsole } from '../client/size-offered';
import { ClientTeardownError, ClientUnavailableError, ProvisionTransientError } from '../errors';
import type { AgentBundleUrl, BranchInput, ClientMachine, ReadinessCheck, RemovalCheck } from '../platform';
import { resourceGroupRemoval } from './resource-group-removal';
import { RUN_TAG_KEY, runPrefixOf, runTagsOf } from '../run-resources';
import { azureStatusCode, describeAzureError, isTransientAzureError } from './transient';
import { azureVmTemplate, CUSTOM_DATA_PARAMETER } from './vm-template';

export interface AzureVmClientMachineOptions {
  /** ARM client of the subscription the client VMs go in. */
  resources: ResourceManagementClient;
  /** Compute client of the same subscription (instance views, the region's VM sizes). */
  compute: ComputeManagementClient;
  /** Where a new VM downloads the agent bundle from (a fresh presigned URL per call). */
  agentBundleUrl: AgentBundleUrl;
  /** Azure region of the group and the VM, e.g. `westeurope`. */
  location: string;
  /** VM size unless the run's `platformOptions.clientVmSize` says otherwise. @default 'Standard_D2s_v5' */
  vmSize?: string;
  /** How long after create the VM may take to be running with its VM agent Ready before check answers failed. @default 20 minutes */
  bootTimeoutMs?: number;
  /** Clock in epoch milliseconds. @default Date.now */
  now?: () => number;
  /** Told when checkSizeOffered could not list the location's VM sizes (the run goes on). @default console.warn */
  onWarning?: SizeCheckWarning;
  /** How long checkSizeOffered may take, ms. @default SIZE_CHECK_TIMEOUT_MS (15 s) */
  sizeCheckTimeoutMs?: number;
}

export const DEFAULT_CLIENT_VM_SIZE = 'Standard_D2s_v5';
export const DEFAULT_VM_BOOT_TIMEOUT_MS = 20 * 60_000;
/** The ARM deployment that makes the VM, in the run's group. */
export const CLIENT_DEPLOYMENT_NAME = 'client';
/** VMs are force-deleted with their group: no graceful shutdown of a throwaway client. */
export const FORCE_DELETION_TYPES = 'Microsoft.Compute/virtualMachines';

/** Azure's size names mark Arm64 (Ampere, Cobalt) sizes with a `p` among the lowercase features: `Standard_D2ps_v5`, `Standard_E4pds_v6`. */
const ARM64_VM_SIZE = /^Standard_[A-Z]+\d+(?:-\d+)?[a-z]*p[a-z]*(?:_|$)/;
const IN_PROGRESS = new Set(['Accepted', 'Running', 'Created', 'Creating', 'Ready', 'Updating', 'Waiting', 'Validating', 'NotSpecified']);
const STOPPED_POWER_STATES = new Set(['PowerState/stopping', 'PowerState/stopped', 'PowerState/deallocating', 'PowerState/deallocated']);
const REASON_MAX = 1000;
/** What a SKU restriction's reason code means (see the file comment for the source). */
const RESTRICTION_MEANINGS: Readonly<Record<string, string>> = {
  QuotaId: "the subscription's offer does not include this size",
  NotAvailableForSubscription: 'not available to this subscription in the location',
};

export class AzureVmClientMachine implements ClientMachine {
  private readonly now: () => number;

  constructor(private readonly options: AzureVmClientMachineOptions) {
    this.now = options.now ?? Date.now;
  }

  /** The run's resource group: `fb-<run8>-client`. */
  static resourceGroupOf(runId: string): string {
    return `${runPrefixOf(runId)}client`;
  }

  /** The run's VM: `fb-<run8>-client-vm`. */
  static vmNameOf(runId: string): string {
    return `${runPrefixOf(runId)}client-vm`;
  }

  async create(input: BranchInput): Promise<Record<string, unknown>> {
    const { runId } = input.run;
    const vmSize = this.vmSize(input);
    const resourceGroup = AzureVmClientMachine.resourceGroupOf(runId);
    const vmName = AzureVmClientMachine.vmNameOf(runId);
    const answer = () => ({ kind: 'azure-vm', resourceGroup, vmName, vmSize, deployment: CLIENT_DEPLOYMENT_NAME, createdAt: new Date(this.now()).toISOString(), ready: false });
    const fail = (what: string, error: unknown, secrets: string[] = []) => {
      const message = redactCredentials(`run ${runId}: ${what}: ${describeAzureError(error)}`, secrets);
      return isTransientAzureError(error) ? new ProvisionTransientError(message) : new ClientUnavailableError(message);
    };

    try {
      await this.options.resources.resourceGroups.createOrUpdate(resourceGroup, { location: this.options.location, tags: runTagsOf(runId, this.now()) });
    } catch (error) {
      throw fail(`could not create resource group ${resourceGroup} in ${this.options.location}`, error);
    }

    // A retried create: the first attempt's deployment is there (see the file comment).
    try {
      await this.options.resources.deployments.get(resourceGroup, CLIENT_DEPLOYMENT_NAME);
      return answer();
    } catch (error) {
      if (azureStatusCode(error) !== 404) throw fail(`could not look for an earlier deployment ${CLIENT_DEPLOYMENT_NAME} in ${resourceGroup}`, error);
    }

    let bundleUrl: string;
    try {
      bundleUrl = await this.options.agentBundleUrl();
    } catch (error) {
      const message = redactCredentials(`run ${runId}: could not make the agent bundle URL: ${describeAzureError(error)}`);
      throw isTransientAwsError(error) || isTransientAzureError(error) ? new ProvisionTransientError(message) : new ClientUnavailableError(message);
    }
    const customData = Buffer.from(clientBootScript({ agentBundleUrl: bundleUrl, nodeArch: isArm64VmSize(vmSize) ? 'arm64' : 'x64' }), 'utf8').toString('base64');
    // Only the public half is kept: nobody logs in, the agent is driven through Run Command.
    const { publicKey } = generateKeyPairSync('ed25519');
    const template = azureVmTemplate({
      runId,
      vmName,
      location: this.options.location,
      vmSize,
      arch: isArm64VmSize(vmSize) ? 'arm64' : 'x64',
      sshPublicKey: openSshPublicKey(publicKey, vmName),
    });

    try {
      await startOperation((options) =>
        this.options.resources.deployments.beginCreateOrUpdate(
          resourceGroup,
          CLIENT_DEPLOYMENT_NAME,
          {
            properties: { mode: 'Incremental', template: template as unknown as Record<string, unknown>, parameters: { [CUSTOM_DATA_PARAMETER]: { value: customData } } },
            tags: { [RUN_TAG_KEY]: runId },
          },
          options,
        ),
      );
    } catch (error) {
      // Another attempt's deployment started in between; check follows it.
      if (azureStatusCode(error) === 409 && errorCodeOf(error) === 'DeploymentActive') return answer();
      throw fail(`could not start deployment ${CLIENT_DEPLOYMENT_NAME} (${vmSize}) in ${resourceGroup}`, error, [bundleUrl, customData]);
    }
    return answer();
  }

  async check(input: BranchInput): Promise<ReadinessCheck> {
    const { runId } = input.run;
    const resourceGroup = AzureVmClientMachine.resourceGroupOf(runId);
    const vmName = AzureVmClientMachine.vmNameOf(runId);
    const answered = typeof input.client?.createdAt === 'string' ? Date.parse(input.client.createdAt) : Number.NaN;
    // Without create's answer, the clock starts now, so the polling still ends.
    const createdAtMs = Number.isNaN(answered) ? this.now() : answered;
    const base = { kind: 'azure-vm', resourceGroup, vmName, deployment: CLIENT_DEPLOYMENT_NAME, createdAt: new Date(createdAtMs).toISOString() };
    const timeoutMs = this.options.bootTimeoutMs ?? DEFAULT_VM_BOOT_TIMEOUT_MS;
    const timedOut = !(this.now() - createdAtMs < timeoutMs);
    const failed = (reason: string, extra: Record<string, unknown> = {}): ReadinessCheck => ({ ...base, ...extra, ready: false, failed: true, reason: redactCredentials(`run ${runId}: ${reason}`) });

    let deployment: DeploymentExtended;
    try {
      deployment = await this.options.resources.deployments.get(resourceGroup, CLIENT_DEPLOYMENT_NAME);
    } catch (error) {
      if (azureStatusCode(error) === 404) {
        const missing = errorCodeOf(error) === 'ResourceGroupNotFound' ? `resource group ${resourceGroup} does not exist` : `deployment ${CLIENT_DEPLOYMENT_NAME} does not exist in resource group ${resourceGroup}`;
        return failed(`${missing} (it was never created, or it was deleted)`);
      }
      throw this.unavailable(runId, `could not read deployment ${CLIENT_DEPLOYMENT_NAME} in ${resourceGroup}`, error);
    }

    const deploymentState = deployment.properties?.provisioningState ?? 'Unknown';
    if (deploymentState === 'Failed' || deploymentState === 'Canceled') {
      const why = (await this.firstFailure(resourceGroup)) ?? errorText(deployment.properties?.error) ?? 'no reason given';
      return failed(`deployment ${CLIENT_DEPLOYMENT_NAME} of VM ${vmName} is ${deploymentState}: ${why}`, { deploymentState });
    }
    if (deploymentState !== 'Succeeded') {
      if (!IN_PROGRESS.has(deploymentState)) return failed(`deployment ${CLIENT_DEPLOYMENT_NAME} of VM ${vmName} is ${deploymentState}`, { deploymentState });
      if (timedOut) return failed(`deployment ${CLIENT_DEPLOYMENT_NAME} of VM ${vmName} is still ${deploymentState} after ${minutes(timeoutMs)}`, { deploymentState });
      return { ...base, ready: false, deploymentState };
    }

    let view: VirtualMachineInstanceView | undefined;
    try {
      view = await this.options.compute.virtualMachines.instanceView(resourceGroup, vmName);
    } catch (error) {
      if (azureStatusCode(error) !== 404) throw this.unavailable(runId, `could not read the instance view of VM ${vmName} in ${resourceGroup}`, error);
    }
    if (!view) {
      if (timedOut) return failed(`VM ${vmName} does not exist ${minutes(timeoutMs)} after create, although its deployment succeeded`, { deploymentState });
      return { ...base, ready: false, deploymentState };
    }

    const powerState = (view.statuses ?? []).map((status) => status.code ?? '').find((code) => code.startsWith('PowerState/')) ?? 'PowerState/unknown';
    const agent = view.vmAgent?.statuses?.find((status) => status.displayStatus) ?? view.vmAgent?.statuses?.[0];
    const vmAgentStatus = agent?.displayStatus ?? 'not reported';
    const state = { deploymentState, powerState, vmAgentStatus };
    if (powerState === 'PowerState/running' && vmAgentStatus === 'Ready') return { ...base, ...state, ready: true };
    if (STOPPED_POWER_STATES.has(powerState)) return failed(`VM ${vmName} is ${powerState.slice('PowerState/'.length)} and will not start by itself`, state);
    if (timedOut) {
      const missing =
        powerState !== 'PowerState/running'
          ? `is still ${powerState.slice('PowerState/'.length)}, not running`
          : `is running but its VM agent is ${vmAgentStatus}${agent?.message ? ` (${agent.message})` : ''}, not Ready (see the VM's boot diagnostics)`;
      return failed(`VM ${vmName} ${missing} after ${minutes(timeoutMs)}`, state);
    }
    return { ...base, ...state, ready: false };
  }

  async destroy(input: BranchInput): Promise<void> {
    const { runId } = input.run;
    const resourceGroup = AzureVmClientMachine.resourceGroupOf(runId);
    try {
      await startOperation((options) => this.options.resources.resourceGroups.beginDelete(resourceGroup, { ...options, forceDeletionTypes: FORCE_DELETION_TYPES }));
    } catch (error) {
      if (azureStatusCode(error) === 404) return; // already gone
      const message = redactCredentials(`run ${runId}: could not delete resource group ${resourceGroup}: ${describeAzureError(error)}`);
      throw isTransientAzureError(error) ? new ProvisionTransientError(message) : new ClientTeardownError(message);
    }
  }

  removal(input: BranchInput): Promise<RemovalCheck> {
    return resourceGroupRemoval(this.options.resources, AzureVmClientMachine.resourceGroupOf(input.run.runId));
  }

  /**
   * Refuse (ClientSizeNotOfferedError) a VM size the location does not offer this subscription: the
   * size the run would deploy, `sizing.platformOptions.clientVmSize` (the run's option or the
   * experiment's declaration), else this machine's default. Resolves when the size is listed without
   * a restriction there, and when the list could not be read (reported through `onWarning`).
   */
  async checkSizeOffered(sizing: ClientSizing): Promise<void> {
    const vmSize = this.vmSizeOf(sizing.platformOptions, '');
    const { location } = this.options;
    const wanted = vmSize.toLowerCase();
    const here = (name: string) => name.toLowerCase() === location.toLowerCase();
    let sku: ResourceSku | undefined;
    try {
      const listed = this.options.compute.resourceSkus.list({ filter: `location eq '${location}'`, abortSignal: AbortSignal.timeout(this.options.sizeCheckTimeoutMs ?? SIZE_CHECK_TIMEOUT_MS) });
      for await (const entry of listed) {
        if (entry.resourceType === 'virtualMachines' && entry.name?.toLowerCase() === wanted) {
          sku = entry;
          break;
        }
      }
    } catch (error) {
      const kind = isTransientAzureError(error) ? 'a transient failure' : 'a failure';
      (this.options.onWarning ?? warnOnConsole)(
        redactCredentials(`could not check whether ${location} offers the client's Azure VM size ${vmSize} (${kind}: ${describeAzureError(error)}); ProvisionClient will find out`),
      );
      return;
    }
    const refuse = (why: string) => clientSizeNotOffered('azureVmSize', { size: vmSize, sizing, region: location, why });
    if (!sku) throw refuse("Azure's Compute Resource SKUs list no virtualMachines size of that name in the location");
    const restriction = sku.restrictions?.find(
      (entry) => entry.type === 'Location' && [...(entry.values ?? []), ...(entry.restrictionInfo?.locations ?? [])].some(here),
    );
    if (restriction) {
      const code = restriction.reasonCode ?? 'not given';
      const meaning = RESTRICTION_MEANINGS[code] ? `: ${RESTRICTION_MEANINGS[code]}` : '';
      throw refuse(`Azure restricts this size there for the subscription (reason code ${code}${meaning})`);
    }
  }

  /** The run's VM size: `platformOptions.clientVmSize`, else the option, else Standard_D2s_v5. */
  private vmSize(input: BranchInput): string {
    return this.vmSizeOf(input.platformOptions, `run ${input.run.runId}: `);
  }

  private vmSizeOf(platformOptions: Record<string, unknown>, prefix: string): string {
    const value = platformOptions.clientVmSize ?? this.options.vmSize ?? DEFAULT_CLIENT_VM_SIZE;
    if (typeof value !== 'string' || value.length > 64 || !AZURE_VM_SIZE.test(value)) {
      throw new ClientUnavailableError(`${prefix}platformOptions.clientVmSize must be an Azure VM size such as ${DEFAULT_CLIENT_VM_SIZE}, got ${JSON.stringify(value)}`);
    }
    return value;
  }

  /** The first failed operation's error, `<resource type>/<name>: <code>: <message>`; undefined when unknown. */
  private async firstFailure(resourceGroup: string): Promise<string | undefined> {
    try {
      const failures: { at: number; text: string }[] = [];
      for await (const operation of this.options.resources.deploymentOperations.list(resourceGroup, CLIENT_DEPLOYMENT_NAME)) {
        const properties = operation.properties;
        const text = errorText(properties?.statusMessage?.error);
        if (properties?.provisioningState !== 'Failed' || !text) continue;
        const target = properties.targetResource;
        const where = target?.resourceType && target.resourceName ? `${target.resourceType}/${target.resourceName}: ` : '';
        failures.push({ at: properties.timestamp?.getTime() ?? Number.POSITIVE_INFINITY, text: `${where}${text}` });
      }
      failures.sort((a, b) => a.at - b.at);
      return failures[0]?.text;
    } catch {
      return undefined;
    }
  }

  private unavailable(runId: string, what: string, error: unknown): Error {
    const message = redactCredentials(`run ${runId}: ${what}: ${describeAzureError(error)}`);
    return isTransientAzureError(error) ? new ProvisionTransientError(message) : new ClientUnavailableError(message);
  }
}

/**
 * Sends the first request of an ARM long-running operation and returns without waiting for it.
 * The SDK's `begin…` also polls the operation once; once ARM has accepted the request (2xx), an
 * error of that poll (throttled, or the operation already failed) does not undo the start:
 * check (or ARM itself, for a deletion) follows the operation from there.
 */
async function startOperation(start: (options: { onResponse: (response: { status: number }) => void }) => Promise<unknown>): Promise<void> {
  let firstStatus: number | undefined;
  try {
    await start({
      onResponse: (response) => {
        firstStatus ??= response.status;
      },
    });
  } catch (error) {
    if (firstStatus !== undefined && firstStatus >= 200 && firstStatus < 300) return;
    throw error;
  }
}

/** Whether an Azure VM size is an Arm64 one (it needs the Arm64 image and Node.js build). */
export function isArm64VmSize(vmSize: string): boolean {
  return ARM64_VM_SIZE.test(vmSize);
}

/** A public key (Ed25519 or RSA) in OpenSSH's `authorized_keys` form: `ssh-ed25519 AAAA… comment`. */
export function openSshPublicKey(key: KeyObject, comment?: string): string {
  const jwk = key.export({ format: 'jwk' });
  const field = (bytes: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    return Buffer.concat([length, bytes]);
  };
  // SSH mpint: big-endian two's complement, so a set top bit needs a leading zero byte.
  const mpint = (base64url: string | undefined) => {
    let bytes = Buffer.from(base64url ?? '', 'base64url');
    while (bytes.length > 1 && bytes[0] === 0) bytes = bytes.subarray(1);
    return field((bytes[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
  };
  let type: string;
  let blob: Buffer;
  if (key.asymmetricKeyType === 'ed25519' && jwk.x) {
    type = 'ssh-ed25519';
    blob = Buffer.concat([field(Buffer.from(type)), field(Buffer.from(jwk.x, 'base64url'))]);
  } else if (key.asymmetricKeyType === 'rsa' && jwk.n && jwk.e) {
    type = 'ssh-rsa';
    blob = Buffer.concat([field(Buffer.from(type)), mpint(jwk.e), mpint(jwk.n)]);
  } else {
    throw new TypeError(`openSshPublicKey: unsupported key type ${key.asymmetricKeyType ?? key.type}`);
  }
  return `${type} ${blob.toString('base64')}${comment ? ` ${comment}` : ''}`;
}

/** `code: message (details…)` of an ARM error, at most 1000 characters; undefined when empty. */
function errorText(error: ErrorResponse | undefined): string | undefined {
  if (!error) return undefined;
  const own = [error.code, error.message].filter(Boolean).join(': ');
  const details = (error.details ?? []).map(errorText).filter((text): text is string => Boolean(text) && text !== own);
  const text = details.length ? `${own} (${details.join('; ')})` : own;
  if (!text) return undefined;
  return text.length > REASON_MAX ? `${text.slice(0, REASON_MAX)}…` : text;
}

function minutes(ms: number): string {
  return `${Math.round((ms / 60_000) * 10) / 10} min`;
}
