/**
 * ProvisionFunctions for Azure Functions: one resource group per run (`fb-<run8>-lab`, tagged
 * `faas-benchmarker:run=<runId>`) holding a storage account, a Flex Consumption plan (or, with
 * platformOptions.azureFunctionsPlan `consumption`, a Linux Consumption plan) and one function app
 * per lab function, deployed with three ARM deployments (templates and the reasons
 * for three in `lab-template.ts`): `storage`, then `apps`, then `wiring`.
 *
 * The state machine polls `check` in a Wait + Choice loop, and each call may be a fresh Lambda, so
 * the progress lives in the answers (`input.functions` is the previous one):
 * - provision: creates the group (idempotent PUT), starts `storage`, answers
 *   `{ kind: 'azure-functions', resourceGroup, phase: 'storage', createdAt, ready: false, settings }`,
 *   `settings` being the plan, instance memory and timeout the apps get (recorded in the run's
 *   manifest as `platform_settings`; the cost estimate bills by them).
 * - check, phase `storage`: once the deployment Succeeded, uploads each function's zip
 *   (`packageOf`) to the private container `packages` (overwriting: a repeated check is harmless),
 *   with the account key from `storageAccounts.listKeys`, then starts `apps` with a read-only SAS
 *   URL per package (valid `packageSasHours` from createdAt) → phase `apps`.
 * - check, phase `apps`: once the deployment Succeeded, reads each function's `default` key
 *   (`webApps.listFunctionKeys`), the four apps polled in parallel (`function-keys.ts`). While the
 *   hosts start, a function that is not indexed yet (404/400) or whose host does not answer yet
 *   (408, 429, 5xx, a failed send, no answer within `functionCallTimeoutMs`) gets a trigger sync
 *   and the answer stays `apps`, with a `waiting` note and `notReady` (what each such function
 *   answered). With all four keys it starts `wiring`, which adds `FB_AZURE_FUNCTIONS` (every
 *   function's URL and key, for nested calls) → phase `wiring`.
 * - check, phase `wiring`: Succeeded → `{ ready: true, phase: 'ready', apps: { function1:
 *   'https://<host>/api/function1', … } }`.
 * - A Failed or Canceled deployment → `{ failed: true, reason }`, the reason being the earliest
 *   failed deployment operation's error; no answer past `readyTimeoutMs` since createdAt → failed,
 *   naming what was still not ready (in the `apps` phase: the functions and what they last answered).
 * A deployment is started only when it does not exist yet, so a retried step never starts one twice.
 * ready means "deployed and wired"; the functions are not called (a probe would spoil cold starts).
 *
 * Secrets: check's answers go into the Step Functions execution history, so they hold host names
 * and phase only. Storage and function keys and SAS URLs travel only in securestring deployment
 * parameters (ARM does not return them) and, for the agent, in `agentTarget`'s answer. Every error
 * message has the known secrets and every URL's query string redacted.
 *
 * Errors: throttling (429), 5xx and network failures become ProvisionTransientError (the state
 * machine retries it), except the function polls of the `apps` phase (not ready yet, above);
 * anything else ProvisionFailedError. teardown starts the group's deletion
 * (not awaited); a group that is already gone is fine.
 *
 * Azure RBAC of `credential`: create/delete resource groups and deploy templates in the
 * subscription; in the group, write storage accounts, containers, plans, sites and site config,
 * `Microsoft.Storage/storageAccounts/listKeys/action` (also evaluated by the templates),
 * `Microsoft.Web/sites/functions/listKeys/action` and `Microsoft.Web/sites/syncfunctiontriggers/action`
 * (Contributor on the subscription covers all of it).
 */
import { createHash } from 'node:crypto';
import { WebSiteManagementClient } from '@azure/arm-appservice';
import { type DeploymentExtended, ResourceManagementClient } from '@azure/arm-resources';
import { StorageManagementClient } from '@azure/arm-storage';
import type { TokenCredential } from '@azure/core-auth';
import { BlobSASPermissions, BlobServiceClient, SASProtocol, StorageSharedKeyCredential, generateBlobSASQueryParameters } from '@azure/storage-blob';
import * as z from 'zod';
import { LAB_FUNCTION_NAMES, type LabFunctionName } from '../../../lab-functions/names';
import type { ProviderConfig } from '../../agent/provider-config';
import { redactCredentials } from '../../errors/redact';
import { azureStatusCode, isTransientAzureError } from '../azure/transient';
import { ProvisionFailedError, ProvisionTransientError } from '../errors';
import type { BranchInput, FunctionProvisioner, ReadinessCheck, RemovalCheck } from '../platform';
import { resourceGroupRemoval } from '../azure/resource-group-removal';
import { runPrefixOf, runTagsOf } from '../run-resources';
import { azureFunctionsConfigSchema } from './config';
import { pollFunctionKeys, readDefaultFunctionKey } from './function-keys';
import {
  type ArmTemplate,
  AZURE_FUNCTIONS_PLANS,
  type AzureFunctionsNodeVersion,
  type AzureFunctionsPlan,
  type AzureLabNames,
  CONSUMPTION_MAX_TIMEOUT_SECONDS,
  CONSUMPTION_MEMORY_MB,
  DEFAULT_AZURE_FUNCTIONS_PLAN,
  DEFAULT_AZURE_TIMEOUT_SECONDS,
  FLEX_DEFAULT_MEMORY_MB,
  FLEX_MEMORY_MB,
  HTTP_TRIGGER_MAX_RESPONSE_SECONDS,
  NESTED_FUNCTIONS_PARAMETER,
  PACKAGES_CONTAINER,
  appsTemplate,
  hostNameOutputOf,
  packageBlobOf,
  packageUrlParameterOf,
  storageTemplate,
  wiringTemplate,
} from './lab-template';

/** What the package upload needs of the run's storage account. */
export interface StorageAccountAccess {
  accountName: string;
  accountKey: string;
  /** The account's primary blob endpoint, `https://<account>.blob.core.windows.net/`. */
  blobEndpoint: string;
}

export interface AzureFunctionsProvisionerOptions {
  /** The control plane's Azure identity (see the file comment for the roles it needs). */
  credential: TokenCredential;
  subscriptionId: string;
  /** Region of the run's resource group and everything in it, e.g. `westeurope`. */
  location: string;
  /** The zip of a lab function's function-app folder (host.json, package.json, index.js at its root). */
  packageOf(functionName: LabFunctionName): Promise<Buffer>;
  /** @default a ResourceManagementClient for credential and subscriptionId */
  resources?: ResourceManagementClient;
  /** @default a StorageManagementClient for credential and subscriptionId */
  storage?: StorageManagementClient;
  /** @default a WebSiteManagementClient for credential and subscriptionId */
  web?: WebSiteManagementClient;
  /** The blob client the packages are uploaded with. @default a BlobServiceClient on the endpoint with the account key */
  blobServiceFor?: (account: StorageAccountAccess) => BlobServiceClient;
  /** How long the package SAS URLs stay valid, from createdAt; every cold start downloads the package. @default 30 */
  packageSasHours?: number;
  /** How long check waits for the functions, from createdAt, before it answers failed. @default 30 minutes */
  readyTimeoutMs?: number;
  /** The functions' timeout unless the run's platformOptions.timeoutSeconds says otherwise (1–600). @default 30 */
  timeoutSeconds?: number;
  /**
   * Node.js major version of the function apps. @default '22' (Azure Functions ended Node 20 support
   * in April 2026; the bundles target Node 20 and run unchanged on 22 and 24)
   */
  nodeVersion?: AzureFunctionsNodeVersion;
  /**
   * How long one ARM call about one function (its keys, its trigger sync) may take in the `apps`
   * phase before that function counts as not answering yet, in ms. Two such calls per function, the
   * four functions in parallel, keep a check well inside CheckFunctionsReady's 300 s. @default 60000
   */
  functionCallTimeoutMs?: number;
  /** @default Date.now */
  now?: () => number;
}

/** The deployments of a run, in order. */
export const AZURE_DEPLOYMENTS = ['storage', 'apps', 'wiring'] as const;
export type AzureDeploymentName = (typeof AZURE_DEPLOYMENTS)[number];

const PHASES = ['storage', 'apps', 'wiring', 'ready'] as const;
export type AzureProvisionPhase = (typeof PHASES)[number];

/** What provision and check answer (plus `ready`, and `failed`/`reason`/`status`/`waiting`). */
const stateSchema = z.looseObject({
  kind: z.literal('azure-functions'),
  resourceGroup: z.string().min(1),
  phase: z.enum(PHASES),
  createdAt: z.iso.datetime(),
  blobEndpoint: z.string().optional(),
  apps: z.record(z.string(), z.string()).optional(),
});
type AzureFunctionsState = z.infer<typeof stateSchema>;

const DEFAULT_PACKAGE_SAS_HOURS = 30;
const DEFAULT_READY_TIMEOUT_MS = 30 * 60_000;
const DEFAULT_FUNCTION_CALL_TIMEOUT_MS = 60_000;
/** SAS validity starts this much before createdAt, for clock skew between Azure Storage and us. */
const SAS_CLOCK_SKEW_MS = 15 * 60_000;
const MAX_REASON_CHARS = 2000;

type DeploymentOutcome =
  | { state: 'missing' }
  | { state: 'running'; status: string }
  | { state: 'failed'; status: string; reason: string }
  | { state: 'succeeded'; outputs: Record<string, unknown> };

export class AzureFunctionsProvisioner implements FunctionProvisioner {
  private readonly resources: ResourceManagementClient;
  private readonly storage: StorageManagementClient;
  private readonly web: WebSiteManagementClient;
  private readonly now: () => number;

  constructor(private readonly options: AzureFunctionsProvisionerOptions) {
    const { credential, subscriptionId } = options;
    this.resources = options.resources ?? new ResourceManagementClient(credential, subscriptionId);
    this.storage = options.storage ?? new StorageManagementClient(credential, subscriptionId);
    this.web = options.web ?? new WebSiteManagementClient(credential, subscriptionId);
    this.now = options.now ?? Date.now;
  }

  /**
   * The names of a run's resources, stable per run. Function app and storage account names are
   * global (`<app>.azurewebsites.net`, `<account>.blob.core.windows.net`), so past the run's 8
   * characters they carry a hash of the whole run id: app `fb-<run8>-<fn>-<hash6>`, storage
   * account `fb<run8><hash14>` (24 lowercase alphanumerics).
   */
  static namesOf(runId: string): AzureLabNames {
    const prefix = runPrefixOf(runId);
    const hash = createHash('sha256').update(runId).digest('hex');
    return {
      resourceGroup: `${prefix}lab`,
      storageAccount: `${prefix.replace(/-/g, '')}${hash}`.slice(0, 24),
      plan: `${prefix}plan`,
      apps: Object.fromEntries(LAB_FUNCTION_NAMES.map((fn) => [fn, `${prefix}${fn}-${hash.slice(0, 6)}`])) as Record<LabFunctionName, string>,
    };
  }

  async provision(input: BranchInput): Promise<Record<string, unknown>> {
    const { runId } = input.run;
    const names = AzureFunctionsProvisioner.namesOf(runId);
    const settings = this.planSettingsOf(input);
    const group = names.resourceGroup;
    await this.call(`create resource group ${group}`, () =>
      this.resources.resourceGroups.createOrUpdate(group, { location: this.options.location, tags: runTagsOf(runId, this.now()) }),
    );
    await this.startDeployment(group, 'storage', storageTemplate({ runId, location: this.options.location, names }), {}, []);
    const state: AzureFunctionsState = { kind: 'azure-functions', resourceGroup: group, phase: 'storage', createdAt: new Date(this.now()).toISOString() };
    return { ...state, ready: false, settings: recordedSettingsOf(settings) };
  }

  async check(input: BranchInput): Promise<ReadinessCheck> {
    const parsed = stateSchema.safeParse(input.functions);
    if (!parsed.success) {
      return { ready: false, failed: true, reason: `run ${input.run.runId}: check got no Azure Functions provisioning state (${issuesOf(parsed.error)})` };
    }
    const state = parsed.data;
    const names = AzureFunctionsProvisioner.namesOf(input.run.runId);
    const { resourceGroup, createdAt } = state;
    const known: AzureFunctionsState = {
      kind: 'azure-functions',
      resourceGroup,
      phase: state.phase,
      createdAt,
      ...(state.blobEndpoint ? { blobEndpoint: state.blobEndpoint } : {}),
      ...(state.apps ? { apps: state.apps } : {}),
    };
    const timeoutMs = this.options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
    const timedOut = this.now() - Date.parse(createdAt) > timeoutMs;
    /** Not there yet: a pending answer, or failed once the time is up. */
    const pending = (phase: AzureProvisionPhase, details: Record<string, unknown>): ReadinessCheck => {
      const answer = { ...known, phase, ...details };
      if (!timedOut) return { ...answer, ready: false };
      const still = typeof details.waiting === 'string' ? details.waiting : `the ${phase} deployment is ${String(details.status ?? 'not finished')}`;
      return { ...answer, ready: false, failed: true, reason: `functions not ready ${Math.round(timeoutMs / 60_000)} min after provisioning started: ${still}` };
    };
    const deploymentOf = state.phase === 'ready' ? 'wiring' : state.phase;
    const outcome = await this.deploymentOutcome(resourceGroup, deploymentOf);
    if (outcome.state === 'missing') {
      return { ...known, ready: false, failed: true, reason: `deployment ${deploymentOf} does not exist in resource group ${resourceGroup} (the group was deleted, or the deployment never started)` };
    }
    if (outcome.state === 'failed') return { ...known, ready: false, failed: true, status: outcome.status, reason: `${deploymentOf} deployment ${outcome.status}: ${outcome.reason}` };
    if (outcome.state === 'running') return pending(state.phase, { status: outcome.status });

    switch (state.phase) {
      case 'storage': {
        if (timedOut) return pending('storage', { status: 'Succeeded', waiting: 'the packages were not uploaded yet' });
        const blobEndpoint = stringOutput(outcome.outputs, 'blobEndpoint');
        if (!blobEndpoint) return { ...known, ready: false, failed: true, reason: 'the storage deployment succeeded without a blobEndpoint output' };
        const account = await this.accountAccess(names, blobEndpoint);
        await this.uploadPackages(account);
        const urls = this.packageUrls(account, createdAt);
        await this.startDeployment(resourceGroup, 'apps', appsTemplate(this.templateOptions(input, names)), packageUrlValues(urls), [account.accountKey, ...Object.values(urls)]);
        return { ...known, blobEndpoint, phase: 'apps', ready: false };
      }
      case 'apps': {
        const apps: Record<string, string> = {};
        for (const fn of LAB_FUNCTION_NAMES) {
          const hostName = stringOutput(outcome.outputs, hostNameOutputOf(fn));
          if (!hostName) return { ...known, ready: false, failed: true, reason: `the apps deployment succeeded without its ${hostNameOutputOf(fn)} output` };
          apps[fn] = `https://${hostName}/api/${fn}`;
        }
        if (timedOut) {
          const last = typeof input.functions?.waiting === 'string' ? input.functions.waiting : 'the functions were not polled yet';
          return pending('apps', { apps, status: 'Succeeded', waiting: last });
        }
        const keys = await pollFunctionKeys({
          web: this.web,
          resourceGroup,
          apps: names.apps,
          callTimeoutMs: this.options.functionCallTimeoutMs ?? DEFAULT_FUNCTION_CALL_TIMEOUT_MS,
        });
        if ('waiting' in keys) return pending('apps', { apps, status: 'Succeeded', waiting: keys.waiting, notReady: keys.notReady });
        const blobEndpoint = known.blobEndpoint ?? stringOutput(await this.succeededOutputs(resourceGroup, 'storage'), 'blobEndpoint');
        if (!blobEndpoint) return { ...known, ready: false, failed: true, reason: 'the blob endpoint of the storage account is unknown' };
        const account = await this.accountAccess(names, blobEndpoint);
        const urls = this.packageUrls(account, createdAt);
        const nested = JSON.stringify(Object.fromEntries(LAB_FUNCTION_NAMES.map((fn) => [fn, { url: apps[fn], key: keys.keys[fn] }])));
        await this.startDeployment(
          resourceGroup,
          'wiring',
          wiringTemplate(this.templateOptions(input, names)),
          { ...packageUrlValues(urls), [NESTED_FUNCTIONS_PARAMETER]: { value: nested } },
          [account.accountKey, ...Object.values(urls), ...Object.values(keys.keys)],
        );
        return { ...known, blobEndpoint, apps, phase: 'wiring', ready: false };
      }
      case 'wiring':
      case 'ready': {
        const apps = known.apps ?? this.appUrls(await this.succeededOutputs(resourceGroup, 'apps'));
        if (!apps) return { ...known, ready: false, failed: true, reason: 'the wiring deployment succeeded, but the function apps\' host names are unknown' };
        return { ...known, apps, phase: 'ready', ready: true };
      }
    }
  }

  /**
   * The agent's provider config: each function's URL (from check's answer) and its `default`
   * function key, the least key that passes function-level auth (never the host's master key).
   */
  async agentTarget(input: BranchInput): Promise<ProviderConfig> {
    const parsed = stateSchema.safeParse(input.functions);
    const apps = parsed.success && parsed.data.phase === 'ready' ? parsed.data.apps : undefined;
    if (!parsed.success || !apps) throw new ProvisionFailedError(`run ${input.run.runId}: the Azure function apps are not ready, so there is no agent target yet`);
    const names = AzureFunctionsProvisioner.namesOf(input.run.runId);
    const functions: Record<string, { url: string; key: string }> = {};
    const keys: string[] = [];
    for (const fn of LAB_FUNCTION_NAMES) {
      const url = apps[fn];
      if (!url) throw new ProvisionFailedError(`run ${input.run.runId}: check's answer has no URL for ${fn}`);
      const key = await this.call(`list the keys of ${fn} in ${names.apps[fn]}`, () => readDefaultFunctionKey(this.web, parsed.data.resourceGroup, names.apps[fn], fn), keys);
      if (!key) throw new ProvisionFailedError(`run ${input.run.runId}: function ${fn} of ${names.apps[fn]} has no default key`);
      keys.push(key);
      functions[fn] = { url, key };
    }
    const config = azureFunctionsConfigSchema.safeParse({ platform: 'azure-functions', functions });
    if (!config.success) throw new ProvisionFailedError(`run ${input.run.runId}: invalid azure-functions agent target (${issuesOf(config.error)})`);
    return config.data;
  }

  async teardown(input: BranchInput): Promise<void> {
    const group = AzureFunctionsProvisioner.namesOf(input.run.runId).resourceGroup;
    try {
      // Sends the DELETE (and polls once); the deletion goes on, and `removal` follows it.
      await this.resources.resourceGroups.beginDelete(group);
    } catch (error) {
      if (azureStatusCode(error) === 404) return;
      throw wrapError(`delete resource group ${group}`, error, []);
    }
  }

  removal(input: BranchInput): Promise<RemovalCheck> {
    return resourceGroupRemoval(this.resources, AzureFunctionsProvisioner.namesOf(input.run.runId).resourceGroup);
  }

  /**
   * The run's plan (platformOptions.azureFunctionsPlan, default Flex Consumption), timeout and Flex
   * memory: platformOptions.memoryMb is one of {@link FLEX_MEMORY_MB} on Flex and refused on
   * Consumption (its memory is fixed).
   */
  private planSettingsOf(input: BranchInput): { plan: AzureFunctionsPlan; timeoutSeconds: number; flexMemoryMb?: number } {
    const plan = input.platformOptions.azureFunctionsPlan ?? DEFAULT_AZURE_FUNCTIONS_PLAN;
    if (!(AZURE_FUNCTIONS_PLANS as readonly unknown[]).includes(plan)) {
      throw new ProvisionFailedError(`platformOptions.azureFunctionsPlan must be one of ${AZURE_FUNCTIONS_PLANS.join(', ')}, got ${JSON.stringify(plan)}`);
    }
    const chosen = plan as AzureFunctionsPlan;
    const { memoryMb } = input.platformOptions;
    if (chosen === 'consumption' && memoryMb !== undefined) {
      throw new ProvisionFailedError(
        `platformOptions.memoryMb cannot be applied on azure-functions: the Consumption plan gives every instance a fixed ${CONSUMPTION_MEMORY_MB} MB; run azure-functions without memoryMb`,
      );
    }
    if (chosen === 'flex-consumption' && memoryMb !== undefined && !(FLEX_MEMORY_MB as readonly unknown[]).includes(memoryMb)) {
      throw new ProvisionFailedError(`platformOptions.memoryMb must be one of ${FLEX_MEMORY_MB.join(', ')} on the Flex Consumption plan, got ${JSON.stringify(memoryMb)}`);
    }
    const maxTimeoutSeconds = chosen === 'consumption' ? CONSUMPTION_MAX_TIMEOUT_SECONDS : HTTP_TRIGGER_MAX_RESPONSE_SECONDS;
    const value = input.platformOptions.timeoutSeconds ?? this.options.timeoutSeconds ?? DEFAULT_AZURE_TIMEOUT_SECONDS;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > maxTimeoutSeconds) {
      throw new ProvisionFailedError(`platformOptions.timeoutSeconds must be an integer from 1 to ${maxTimeoutSeconds} on the ${chosen} plan, got ${JSON.stringify(value)}`);
    }
    return { plan: chosen, timeoutSeconds: value, ...(chosen === 'flex-consumption' && typeof memoryMb === 'number' ? { flexMemoryMb: memoryMb } : {}) };
  }

  private templateOptions(input: BranchInput, names: AzureLabNames) {
    return { runId: input.run.runId, location: this.options.location, names, nodeVersion: this.options.nodeVersion ?? '22', ...this.planSettingsOf(input) };
  }

  /** Start a deployment unless it already exists (a retried step must not start it twice). */
  private async startDeployment(group: string, name: AzureDeploymentName, template: ArmTemplate, parameters: Record<string, { value: unknown }>, secrets: readonly string[]): Promise<void> {
    if (await this.findDeployment(group, name, secrets)) return;
    try {
      await this.resources.deployments.beginCreateOrUpdate(group, name, { properties: { mode: 'Incremental', template, parameters } });
    } catch (error) {
      // beginCreateOrUpdate also polls once, and throws if the accepted deployment failed at once:
      // the next check reports that failure.
      if (await this.findDeployment(group, name, secrets)) return;
      throw wrapError(`start deployment ${name} in ${group}`, error, secrets);
    }
  }

  private async findDeployment(group: string, name: string, secrets: readonly string[]): Promise<DeploymentExtended | undefined> {
    try {
      return await this.resources.deployments.get(group, name);
    } catch (error) {
      if (azureStatusCode(error) === 404) return undefined;
      throw wrapError(`read deployment ${name} in ${group}`, error, secrets);
    }
  }

  private async deploymentOutcome(group: string, name: AzureDeploymentName): Promise<DeploymentOutcome> {
    const deployment = await this.findDeployment(group, name, []);
    if (!deployment) return { state: 'missing' };
    const status = deployment.properties?.provisioningState ?? 'Unknown';
    if (status === 'Succeeded') return { state: 'succeeded', outputs: (deployment.properties?.outputs ?? {}) as Record<string, unknown> };
    if (status === 'Failed' || status === 'Canceled') {
      const reason = (await this.firstFailure(group, name)) ?? armErrorText(deployment.properties?.error) ?? `deployment ${name} is ${status}`;
      return { state: 'failed', status, reason: truncate(redactCredentials(reason, [])) };
    }
    return { state: 'running', status };
  }

  private async succeededOutputs(group: string, name: AzureDeploymentName): Promise<Record<string, unknown>> {
    const outcome = await this.deploymentOutcome(group, name);
    return outcome.state === 'succeeded' ? outcome.outputs : {};
  }

  private appUrls(outputs: Record<string, unknown>): Record<string, string> | undefined {
    const apps: Record<string, string> = {};
    for (const fn of LAB_FUNCTION_NAMES) {
      const hostName = stringOutput(outputs, hostNameOutputOf(fn));
      if (!hostName) return undefined;
      apps[fn] = `https://${hostName}/api/${fn}`;
    }
    return apps;
  }

  /** The earliest failed operation of a deployment, as `<type> <name>: <error>`; undefined when unknown. */
  private async firstFailure(group: string, name: string): Promise<string | undefined> {
    try {
      const failed: { at: number; text: string }[] = [];
      for await (const operation of this.resources.deploymentOperations.list(group, name)) {
        const properties = operation.properties;
        if (properties?.provisioningState !== 'Failed') continue;
        const text = armErrorText(properties.statusMessage);
        if (!text) continue;
        const target = properties.targetResource;
        const where = target?.resourceType && target.resourceName ? `${target.resourceType} ${target.resourceName}: ` : '';
        failed.push({ at: properties.timestamp ? new Date(properties.timestamp).getTime() : Number.POSITIVE_INFINITY, text: `${where}${text}` });
      }
      return failed.sort((a, b) => a.at - b.at)[0]?.text;
    } catch {
      return undefined;
    }
  }

  private async accountAccess(names: AzureLabNames, blobEndpoint: string): Promise<StorageAccountAccess> {
    const { resourceGroup, storageAccount } = names;
    const listed = await this.call(`list the keys of storage account ${storageAccount}`, () => this.storage.storageAccounts.listKeys(resourceGroup, storageAccount));
    const accountKey = listed.keys?.find((key) => key.value)?.value;
    if (!accountKey) throw new ProvisionFailedError(`storage account ${storageAccount} listed no key`);
    return { accountName: storageAccount, accountKey, blobEndpoint: blobEndpoint.endsWith('/') ? blobEndpoint : `${blobEndpoint}/` };
  }

  /** Upload every function's zip (overwriting, so a repeated check is harmless). */
  private async uploadPackages(account: StorageAccountAccess): Promise<void> {
    const service = this.options.blobServiceFor?.(account) ?? new BlobServiceClient(account.blobEndpoint, new StorageSharedKeyCredential(account.accountName, account.accountKey));
    const container = service.getContainerClient(PACKAGES_CONTAINER);
    await Promise.all(
      LAB_FUNCTION_NAMES.map(async (fn) => {
        const zip = await this.call(`read the package of ${fn}`, () => this.options.packageOf(fn), [account.accountKey]);
        await this.call(
          `upload the package of ${fn} to ${account.accountName}/${PACKAGES_CONTAINER}`,
          () => container.getBlockBlobClient(packageBlobOf(fn)).uploadData(zip, { blobHTTPHeaders: { blobContentType: 'application/zip' } }),
          [account.accountKey],
        );
      }),
    );
  }

  /**
   * A read-only, https-only SAS URL per package, valid from shortly before createdAt until
   * `packageSasHours` after it. Deterministic for one key, so every phase hands the apps the same URL.
   */
  private packageUrls(account: StorageAccountAccess, createdAt: string): Record<LabFunctionName, string> {
    const credential = new StorageSharedKeyCredential(account.accountName, account.accountKey);
    const created = Date.parse(createdAt);
    const startsOn = new Date(created - SAS_CLOCK_SKEW_MS);
    const expiresOn = new Date(created + (this.options.packageSasHours ?? DEFAULT_PACKAGE_SAS_HOURS) * 3_600_000);
    return Object.fromEntries(
      LAB_FUNCTION_NAMES.map((fn) => {
        const blobName = packageBlobOf(fn);
        const sas = generateBlobSASQueryParameters(
          { containerName: PACKAGES_CONTAINER, blobName, permissions: BlobSASPermissions.parse('r'), startsOn, expiresOn, protocol: SASProtocol.Https },
          credential,
        );
        return [fn, `${account.blobEndpoint}${PACKAGES_CONTAINER}/${blobName}?${sas.toString()}`];
      }),
    ) as Record<LabFunctionName, string>;
  }

  /** Run an SDK call, mapping its failure to the provisioning errors (secrets redacted). */
  private async call<T>(what: string, action: () => Promise<T>, secrets: readonly string[] = []): Promise<T> {
    try {
      return await action();
    } catch (error) {
      throw wrapError(what, error, secrets);
    }
  }
}

/** `{ packageUrlFunction1: { value: url }, … }` */
function packageUrlValues(urls: Record<LabFunctionName, string>): Record<string, { value: string }> {
  return Object.fromEntries(LAB_FUNCTION_NAMES.map((fn) => [packageUrlParameterOf(fn), { value: urls[fn] }]));
}

/** A string output of a deployment (ARM's `{ name: { type, value } }`). */
function stringOutput(outputs: Record<string, unknown>, name: string): string | undefined {
  const value = (outputs[name] as { value?: unknown } | undefined)?.value;
  return typeof value === 'string' && value ? value : undefined;
}

/** The message of an ARM error (`{ error }`, `{ code, message, details }`): its details when it has some. */
function armErrorText(value: unknown): string | undefined {
  if (typeof value === 'string') return value || undefined;
  if (!value || typeof value !== 'object') return undefined;
  const error = value as { error?: unknown; code?: unknown; message?: unknown; details?: unknown };
  if (error.error) return armErrorText(error.error);
  const details = Array.isArray(error.details) ? error.details.map(armErrorText).filter((text): text is string => Boolean(text)) : [];
  if (details.length) return details.join('; ');
  if (typeof error.message === 'string' && error.message) return typeof error.code === 'string' ? `${error.code}: ${error.message}` : error.message;
  return typeof error.code === 'string' ? error.code : undefined;
}

function wrapError(what: string, error: unknown, secrets: readonly string[]): Error {
  const message = truncate(redactCredentials(`${what}: ${messageOf(error)}`, secrets));
  return isTransientAzureError(error) ? new ProvisionTransientError(message) : new ProvisionFailedError(message);
}

function messageOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const status = azureStatusCode(error);
  return status === undefined ? error.message : `HTTP ${status}: ${error.message}`;
}

function truncate(text: string): string {
  return text.length > MAX_REASON_CHARS ? `${text.slice(0, MAX_REASON_CHARS)}…` : text;
}

function issuesOf(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length ? issue.path.map(String).join('.') : '(top level)'}: ${issue.message}`)
    .join('; ');
}

/**
 * What ProvisionFunctions records in the run's manifest (`platform_settings`): the plan the apps
 * were deployed on, their instance memory (Flex: the chosen or default size; Consumption: its
 * fixed one) and their function timeout. The cost estimate bills the run by these (lib/cost/azure-hosting.ts).
 */
function recordedSettingsOf(settings: { plan: AzureFunctionsPlan; timeoutSeconds: number; flexMemoryMb?: number }): Record<string, unknown> {
  const memoryMb = settings.plan === 'flex-consumption' ? (settings.flexMemoryMb ?? FLEX_DEFAULT_MEMORY_MB) : CONSUMPTION_MEMORY_MB;
  return { azureFunctionsPlan: settings.plan, memoryMb, timeoutSeconds: settings.timeoutSeconds };
}
