import { randomUUID } from 'node:crypto';
import { WebSiteManagementClient } from '@azure/arm-appservice';
import { ResourceManagementClient } from '@azure/arm-resources';
import { StorageManagementClient } from '@azure/arm-storage';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FakeArmRouteContext } from '../../../test-support/fake-arm';
import { azureFunctionsFromEnv } from '../../../lab-functions/adapters/azure-functions/handler';
import { FAKE_SUBSCRIPTION, type FakeArm, fakeCredential, startFakeArm } from '../../../test-support/fake-arm';
import { createFakeArmResources, type FakeArmResources, type FakeDeployment } from '../../../test-support/fake-arm-resources';
import { createFakeAzureWeb, type FakeAzureWeb, type FakeBlobService, fakeBlobServiceFor, startFakeBlobService } from '../../../test-support/fake-azure-web';
import { LAB_FUNCTION_NAMES, type LabFunctionName } from '../../../lab-functions/names';
import { ProvisionFailedError, ProvisionTransientError } from '../errors';
import type { BranchInput } from '../platform';
import { RUN_TAG_KEY } from '../run-resources';
import { azureFunctionsConfigSchema } from './config';
import { appsTemplate, hostNameOutputOf, NESTED_FUNCTIONS_PARAMETER, packageUrlParameterOf, storageTemplate, wiringTemplate } from './lab-template';
import { AzureFunctionsProvider } from './provider';
import { AzureFunctionsProvisioner, type AzureFunctionsProvisionerOptions } from './provisioner';

let arm: FakeArm;
let resources: FakeArmResources;
let web: FakeAzureWeb;
let blob: FakeBlobService;
let clients: Pick<AzureFunctionsProvisionerOptions, 'resources' | 'storage' | 'web'>;
let clock: number;
/** Sees every listkeys request before the fake App Service does; true when it answers (or will answer) the request itself. */
let listKeysInterceptor: ((context: FakeArmRouteContext, fn: string) => boolean) | undefined;
const LIST_KEYS = /\/functions\/([^/]+)\/listkeys$/i;

/** Every package is a few bytes that are not valid UTF-8, so a lossy upload would show. */
const packageBytes = (fn: LabFunctionName) => Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04, 0xff, 0xfe, 0x80]), Buffer.from(fn)]);

/** The run of a deployment's group (from the group's run tag). */
function runOfGroup(group: string): string {
  return resources.groups.get(group.toLowerCase())?.tags[RUN_TAG_KEY] ?? '';
}

function outputsFor(deployment: FakeDeployment): Record<string, { type: string; value: unknown }> {
  const names = AzureFunctionsProvisioner.namesOf(runOfGroup(deployment.resourceGroup));
  if (deployment.name === 'storage') return { blobEndpoint: { type: 'String', value: blob.endpointOf(names.storageAccount) } };
  if (deployment.name === 'apps') return Object.fromEntries(LAB_FUNCTION_NAMES.map((fn) => [hostNameOutputOf(fn), { type: 'String', value: `${names.apps[fn]}.azurewebsites.net` }]));
  return {};
}

beforeAll(async () => {
  resources = createFakeArmResources({ outputsFor });
  web = createFakeAzureWeb();
  const intercept = (context: FakeArmRouteContext) => {
    const fn = LIST_KEYS.exec(context.url.pathname)?.[1];
    return fn !== undefined && (listKeysInterceptor?.(context, fn) ?? false);
  };
  [arm, blob] = await Promise.all([startFakeArm({ routes: [intercept, resources.route, web.route] }), startFakeBlobService()]);
  const clientOptions = { endpoint: arm.url, tlsOptions: { ca: arm.ca }, retryOptions: { maxRetries: 0 } };
  clients = {
    resources: new ResourceManagementClient(fakeCredential, FAKE_SUBSCRIPTION, clientOptions as never),
    storage: new StorageManagementClient(fakeCredential, FAKE_SUBSCRIPTION, clientOptions),
    web: new WebSiteManagementClient(fakeCredential, FAKE_SUBSCRIPTION, clientOptions),
  };
});
afterAll(async () => {
  await Promise.all([arm?.close(), blob?.close()]);
});
beforeEach(() => {
  clock = Date.parse('2026-11-27T10:00:00.000Z');
  resources.options.runningPolls = 1;
  resources.options.failDeployment = undefined;
  web.options.syncsBeforeIndexed = 1;
  web.options.functionKeysShape = 'flat';
  listKeysInterceptor = undefined;
});

function provisioner(overrides: Partial<AzureFunctionsProvisionerOptions> = {}): AzureFunctionsProvisioner {
  return new AzureFunctionsProvisioner({
    credential: fakeCredential,
    subscriptionId: FAKE_SUBSCRIPTION,
    location: 'westeurope',
    packageOf: async (fn) => packageBytes(fn),
    blobServiceFor: fakeBlobServiceFor(blob),
    now: () => clock,
    ...clients,
    ...overrides,
  });
}

/** platformOptions choosing the Linux Consumption plan (Flex Consumption is the default). */
const CONSUMPTION = { azureFunctionsPlan: 'consumption' };

function branch(runId: string, functions?: Record<string, unknown>, platformOptions: Record<string, unknown> = {}): BranchInput {
  return { run: { runId, platform: 'azure-functions' }, experiment: 'cold-start', params: {}, quick: true, platformOptions, ...(functions ? { functions } : {}) };
}

/** Every secret the fakes handed out for a run: storage and function keys. */
function secretsOf(runId: string): string[] {
  const names = AzureFunctionsProvisioner.namesOf(runId);
  return [web.storageKeys.get(names.storageAccount), ...LAB_FUNCTION_NAMES.map((fn) => web.functionKeys.get(`${names.apps[fn]}/${fn}`))].filter((value): value is string => Boolean(value));
}

function expectNoSecret(value: unknown, runId: string): void {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  for (const secret of secretsOf(runId)) expect(text).not.toContain(secret);
  expect(text).not.toMatch(/sig=/i);
  // A connection string with a key in it (the template's format() placeholder `{2}` is fine).
  expect(text).not.toMatch(/AccountKey=(?!\{\d\})[^;'"[\s]/);
}

function deploymentOf(runId: string, name: string): FakeDeployment {
  const group = AzureFunctionsProvisioner.namesOf(runId).resourceGroup;
  const found = resources.deployments.filter((deployment) => deployment.resourceGroup === group && deployment.name === name);
  expect(found).toHaveLength(1);
  return found[0] as FakeDeployment;
}

/** Provision, then check until the answer is ready or failed (at most `limit` checks). */
async function provisionToEnd(subject: AzureFunctionsProvisioner, runId: string, limit = 10) {
  let answer: Record<string, unknown> = await subject.provision(branch(runId));
  const answers = [answer];
  for (let i = 0; i < limit && !answer.ready && !answer.failed; i++) {
    answer = await subject.check(branch(runId, answer));
    answers.push(answer);
  }
  return { answer, answers };
}

describe('Class: AzureFunctionsProvisioner', () => {
  it('derives stable per-run names that fit Azure rules', () => {
    const runId = '1A2B3C4D-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
    const names = AzureFunctionsProvisioner.namesOf(runId);
    expect(AzureFunctionsProvisioner.namesOf(runId)).toEqual(names);
    expect(names.resourceGroup).toBe('fb-1a2b3c4d-lab');
    expect(names.plan).toBe('fb-1a2b3c4d-plan');
    expect(names.storageAccount).toMatch(/^fb1a2b3c4d[0-9a-f]{14}$/);
    for (const fn of LAB_FUNCTION_NAMES) {
      expect(names.apps[fn]).toMatch(new RegExp(`^fb-1a2b3c4d-${fn}-[0-9a-f]{6}$`));
      // Host ids are the first 32 characters of the name; four apps share one storage account.
      expect(names.apps[fn].length).toBeLessThanOrEqual(32);
    }
    expect(AzureFunctionsProvisioner.namesOf('1a2b3c4d-other').storageAccount).not.toBe(names.storageAccount);
  });

  it('provisions through storage, apps and wiring to ready, with no secret in any answer or template', async () => {
    // Prepare
    const runId = randomUUID();
    const names = AzureFunctionsProvisioner.namesOf(runId);
    const subject = provisioner();
    const uploadsBefore = blob.uploads.length;
    const requestsBefore = arm.requests.length;

    // Act
    const provisioned = await subject.provision(branch(runId, undefined, CONSUMPTION));

    // Assess: the group, then the storage deployment.
    // settings: what ProvisionFunctions records in the manifest, and the cost estimate bills by.
    expect(provisioned).toEqual({
      kind: 'azure-functions',
      resourceGroup: names.resourceGroup,
      phase: 'storage',
      createdAt: '2026-11-27T10:00:00.000Z',
      ready: false,
      settings: { azureFunctionsPlan: 'consumption', memoryMb: 1536, timeoutSeconds: 30 },
    });
    const groupPuts = arm.requests.slice(requestsBefore).filter((request) => request.method === 'PUT' && /\/resourcegroups\/[^/]+$/i.test(request.path));
    expect(groupPuts).toHaveLength(1);
    expect(groupPuts[0]?.path).toBe(`/subscriptions/${FAKE_SUBSCRIPTION}/resourcegroups/${names.resourceGroup}`);
    expect(groupPuts[0]?.body).toEqual({ location: 'westeurope', tags: { [RUN_TAG_KEY]: runId, 'faas-benchmarker:expires': '2026-11-29T16:00:00.000Z' } });
    const storage = deploymentOf(runId, 'storage');
    expect(storage.properties).toEqual({ mode: 'Incremental', template: storageTemplate({ runId, location: 'westeurope', names }), parameters: {} });
    expect(JSON.stringify(storage.properties.template)).toContain(`"${names.storageAccount}/default/packages"`);

    // Act: storage Succeeded → upload, start apps.
    const afterStorage = await subject.check(branch(runId, provisioned, CONSUMPTION));

    // Assess
    // The settings went into the manifest with provision's answer; the checks' answers do not repeat them.
    const { settings: _recorded, ...state } = provisioned;
    expect(afterStorage).toEqual({ ...state, blobEndpoint: blob.endpointOf(names.storageAccount), phase: 'apps', ready: false });
    const uploads = blob.uploads.slice(uploadsBefore);
    expect(uploads.map((upload) => upload.blob).sort()).toEqual(LAB_FUNCTION_NAMES.map((fn) => `${fn}.zip`).sort());
    for (const upload of uploads) {
      expect(upload).toMatchObject({ account: names.storageAccount, container: 'packages' });
      expect(upload.bytes.equals(packageBytes(upload.blob.replace(/\.zip$/, '') as LabFunctionName))).toBe(true);
      expect(upload.headers['x-ms-blob-content-type']).toBe('application/zip');
    }
    const apps = deploymentOf(runId, 'apps');
    expect(apps.properties.template).toEqual(appsTemplate({ runId, location: 'westeurope', names, nodeVersion: '22', plan: 'consumption', timeoutSeconds: 30 }));
    const appResources = (apps.properties.template as { resources: { type: string; name: string; kind?: string; sku?: unknown; properties: Record<string, unknown> }[] }).resources;
    expect(appResources.find((resource) => resource.type === 'Microsoft.Web/serverfarms')).toMatchObject({ name: names.plan, sku: { name: 'Y1', tier: 'Dynamic' }, properties: { reserved: true } });
    const sites = appResources.filter((resource) => resource.type === 'Microsoft.Web/sites');
    expect(sites.map((site) => site.name)).toEqual(LAB_FUNCTION_NAMES.map((fn) => names.apps[fn]));
    for (const [index, site] of sites.entries()) {
      const fn = LAB_FUNCTION_NAMES[index] as LabFunctionName;
      expect(site).toMatchObject({ kind: 'functionapp,linux', properties: { httpsOnly: true, reserved: true, siteConfig: { linuxFxVersion: 'Node|22', minTlsVersion: '1.2', ftpsState: 'Disabled' } } });
      const settings = Object.fromEntries((site.properties.siteConfig as { appSettings: { name: string; value: string }[] }).appSettings.map((setting) => [setting.name, setting.value]));
      expect(settings).toMatchObject({ FUNCTIONS_EXTENSION_VERSION: '~4', FUNCTIONS_WORKER_RUNTIME: 'node', WEBSITE_RUN_FROM_PACKAGE: `[parameters('${packageUrlParameterOf(fn)}')]` });
      expect(settings.AzureWebJobsStorage).toContain(`listKeys(resourceId('Microsoft.Storage/storageAccounts', '${names.storageAccount}')`);
    }
    const storageKey = web.storageKeys.get(names.storageAccount) as string;
    expect(storageKey).toBeTruthy();
    for (const fn of LAB_FUNCTION_NAMES) {
      const url = new URL(String(apps.properties.parameters?.[packageUrlParameterOf(fn)]?.value));
      expect(`${url.origin}${url.pathname}`).toBe(`${blob.endpointOf(names.storageAccount)}packages/${fn}.zip`);
      expect(url.searchParams.get('sp')).toBe('r');
      expect(url.searchParams.get('spr')).toBe('https');
      expect(url.searchParams.get('sr')).toBe('b');
      expect(url.searchParams.get('se')).toBe('2026-11-28T16:00:00Z');
      expect(url.searchParams.get('sig')).toBeTruthy();
    }
    // Keys and SAS only in the securestring parameters' values.
    expect(Object.keys(apps.properties.parameters ?? {}).sort()).toEqual(LAB_FUNCTION_NAMES.map(packageUrlParameterOf).sort());
    const declared = (apps.properties.template as { parameters: Record<string, { type: string }> }).parameters;
    expect(Object.values(declared).map((parameter) => parameter.type)).toEqual(['securestring', 'securestring', 'securestring', 'securestring']);
    expectNoSecret({ ...apps.properties, parameters: Object.keys(apps.properties.parameters ?? {}) }, runId);
    expectNoSecret(storage.properties, runId);
    expectNoSecret(afterStorage, runId);

    // Act: apps Succeeded, functions not indexed yet → sync; then the keys → start wiring.
    const syncsBefore = web.syncs.length;
    const waiting = await subject.check(branch(runId, afterStorage, CONSUMPTION));
    expect(waiting).toMatchObject({
      phase: 'apps',
      ready: false,
      waiting: 'not ready yet: function1 (not indexed: HTTP 404 NotFound), function2 (not indexed: HTTP 404 NotFound), function3 (not indexed: HTTP 404 NotFound), monolith (not indexed: HTTP 404 NotFound); their triggers were synced',
      notReady: Object.fromEntries(LAB_FUNCTION_NAMES.map((fn) => [fn, 'not indexed: HTTP 404 NotFound'])),
    });
    expect(waiting.failed).toBeUndefined();
    expect(web.syncs.slice(syncsBefore).sort()).toEqual(Object.values(names.apps).sort());
    const afterApps = await subject.check(branch(runId, waiting, CONSUMPTION));

    // Assess
    const urls = Object.fromEntries(LAB_FUNCTION_NAMES.map((fn) => [fn, `https://${names.apps[fn]}.azurewebsites.net/api/${fn}`]));
    expect(afterApps).toEqual({ ...afterStorage, apps: urls, phase: 'wiring', ready: false });
    const wiring = deploymentOf(runId, 'wiring');
    expect(wiring.properties.template).toEqual(wiringTemplate({ runId, location: 'westeurope', names, nodeVersion: '22', plan: 'consumption', timeoutSeconds: 30 }));
    expect(wiring.properties.parameters?.[packageUrlParameterOf('function1')]).toEqual(apps.properties.parameters?.[packageUrlParameterOf('function1')]);
    const nested = String(wiring.properties.parameters?.[NESTED_FUNCTIONS_PARAMETER]?.value);
    expect(JSON.parse(nested)).toEqual(Object.fromEntries(LAB_FUNCTION_NAMES.map((fn) => [fn, { url: urls[fn], key: web.functionKeys.get(`${names.apps[fn]}/${fn}`) }])));
    // What the Azure adapter reads for nested calls (function1 → function2 → function3).
    const targets = azureFunctionsFromEnv({ FB_AZURE_FUNCTIONS: nested });
    expect(targets.get('function2')?.url).toBe(urls.function2);
    expect(targets.get('function3')?.key).toBe(web.functionKeys.get(`${names.apps.function3}/function3`));
    const wiringDeclared = (wiring.properties.template as { parameters: Record<string, { type: string }> }).parameters;
    expect(Object.keys(wiring.properties.parameters ?? {}).sort()).toEqual(Object.keys(wiringDeclared).sort());
    expect(new Set(Object.values(wiringDeclared).map((parameter) => parameter.type))).toEqual(new Set(['securestring']));
    expect((wiring.properties.template as { resources: { type: string; name: string }[] }).resources.map((resource) => `${resource.type} ${resource.name}`)).toEqual(
      LAB_FUNCTION_NAMES.map((fn) => `Microsoft.Web/sites/config ${names.apps[fn]}/appsettings`),
    );
    expectNoSecret({ ...wiring.properties, parameters: Object.keys(wiring.properties.parameters ?? {}) }, runId);
    expectNoSecret(afterApps, runId);

    // Act: wiring Succeeded → ready.
    const ready = await subject.check(branch(runId, afterApps, CONSUMPTION));
    expect(ready).toEqual({ ...afterApps, phase: 'ready', ready: true });
    expectNoSecret(ready, runId);
    // A check after ready stays ready.
    expect(await subject.check(branch(runId, ready, CONSUMPTION))).toEqual(ready);
  });

  it('deploys a Flex Consumption lab by default: FC1 plan, functionAppConfig with deployment storage and runtime, one-deploy of each package', async () => {
    // Prepare
    const runId = randomUUID();
    const names = AzureFunctionsProvisioner.namesOf(runId);
    const subject = provisioner();
    const options = { memoryMb: 4096 };

    // Act
    const provisioned = await subject.provision(branch(runId, undefined, options));
    let answer: Record<string, unknown> = provisioned;
    for (let i = 0; i < 10 && !answer.ready && !answer.failed; i++) answer = await subject.check(branch(runId, answer, options));

    // Assess
    expect(provisioned.settings).toEqual({ azureFunctionsPlan: 'flex-consumption', memoryMb: 4096, timeoutSeconds: 30 });
    expect(answer).toMatchObject({ ready: true, phase: 'ready' });
    const storage = deploymentOf(runId, 'storage');
    expect(JSON.stringify(storage.properties.template)).toContain(`"${names.storageAccount}/default/deployments"`);
    const apps = deploymentOf(runId, 'apps');
    expect(apps.properties.template).toEqual(appsTemplate({ runId, location: 'westeurope', names, nodeVersion: '22', plan: 'flex-consumption', flexMemoryMb: 4096, timeoutSeconds: 30 }));
    const appResources = (apps.properties.template as { resources: { type: string; name: string; kind?: string; sku?: unknown; dependsOn?: string[]; properties: Record<string, unknown> }[] }).resources;
    expect(appResources.find((resource) => resource.type === 'Microsoft.Web/serverfarms')).toMatchObject({ name: names.plan, sku: { name: 'FC1', tier: 'FlexConsumption' }, properties: { reserved: true } });
    const sites = appResources.filter((resource) => resource.type === 'Microsoft.Web/sites');
    expect(sites.map((site) => site.name)).toEqual(LAB_FUNCTION_NAMES.map((fn) => names.apps[fn]));
    for (const site of sites) {
      expect(site.properties.functionAppConfig).toEqual({
        deployment: {
          storage: {
            type: 'blobContainer',
            value: `[concat(reference(resourceId('Microsoft.Storage/storageAccounts', '${names.storageAccount}'), '2023-05-01').primaryEndpoints.blob, 'deployments')]`,
            authentication: { type: 'StorageAccountConnectionString', storageAccountConnectionStringName: 'DEPLOYMENT_STORAGE_CONNECTION_STRING' },
          },
        },
        scaleAndConcurrency: { maximumInstanceCount: 100, instanceMemoryMB: 4096 },
        runtime: { name: 'node', version: '22' },
      });
      const siteConfig = site.properties.siteConfig as { linuxFxVersion?: string; appSettings: { name: string; value: string }[] };
      expect(siteConfig.linuxFxVersion).toBeUndefined();
      const settings = Object.fromEntries(siteConfig.appSettings.map((setting) => [setting.name, setting.value]));
      expect(Object.keys(settings).sort()).toEqual(['AzureFunctionsJobHost__functionTimeout', 'AzureWebJobsStorage', 'DEPLOYMENT_STORAGE_CONNECTION_STRING', 'FB_MEMORY_MB']);
      expect(settings.DEPLOYMENT_STORAGE_CONNECTION_STRING).toBe(settings.AzureWebJobsStorage);
      expect(settings.FB_MEMORY_MB).toBe('4096');
    }
    // One onedeploy per app, from the same read-only SAS parameter the Consumption apps run from.
    const oneDeploys = appResources.filter((resource) => resource.type === 'Microsoft.Web/sites/extensions');
    expect(oneDeploys.map((resource) => resource.name)).toEqual(LAB_FUNCTION_NAMES.map((fn) => `${names.apps[fn]}/onedeploy`));
    for (const [index, resource] of oneDeploys.entries()) {
      const fn = LAB_FUNCTION_NAMES[index] as LabFunctionName;
      expect(resource.properties).toEqual({ packageUri: `[parameters('${packageUrlParameterOf(fn)}')]`, remoteBuild: false });
      expect(resource.dependsOn).toEqual([`[resourceId('Microsoft.Web/sites', '${names.apps[fn]}')]`]);
      expect(new URL(String(apps.properties.parameters?.[packageUrlParameterOf(fn)]?.value)).searchParams.get('sp')).toBe('r');
    }
    // The wiring keeps the Flex settings (an appsettings PUT replaces the whole set).
    const wiring = deploymentOf(runId, 'wiring');
    const wired = (wiring.properties.template as { resources: { properties: Record<string, string> }[] }).resources;
    for (const resource of wired) {
      expect(resource.properties).toMatchObject({ DEPLOYMENT_STORAGE_CONNECTION_STRING: expect.any(String), FB_MEMORY_MB: '4096' });
      expect(resource.properties.WEBSITE_RUN_FROM_PACKAGE).toBeUndefined();
    }
    expectNoSecret({ ...apps.properties, parameters: Object.keys(apps.properties.parameters ?? {}) }, runId);
    expectNoSecret(answer, runId);
  });

  it('gives the agent URLs and function keys that createProvider accepts', async () => {
    // Prepare
    const runId = randomUUID();
    const names = AzureFunctionsProvisioner.namesOf(runId);
    const subject = provisioner();
    const { answer } = await provisionToEnd(subject, runId);
    expect(answer.ready).toBe(true);

    // Act
    const target = await subject.agentTarget(branch(runId, answer));

    // Assess
    expect(target.platform).toBe('azure-functions');
    const provider = new AzureFunctionsProvider(azureFunctionsConfigSchema.parse(target));
    for (const fn of LAB_FUNCTION_NAMES) {
      const request = provider.requestFor(fn);
      expect(request.origin).toBe(`https://${names.apps[fn]}.azurewebsites.net`);
      expect(request.path).toBe(`/api/${fn}`);
      expect(request.method).toBe('POST');
      expect(request.headers['x-functions-key']).toBe(web.functionKeys.get(`${names.apps[fn]}/${fn}`));
    }
  });

  it('reads function keys that come under properties too', async () => {
    web.options.functionKeysShape = 'properties';
    const runId = randomUUID();
    const subject = provisioner();
    const { answer } = await provisionToEnd(subject, runId);
    const target = await subject.agentTarget(branch(runId, answer));
    const names = AzureFunctionsProvisioner.namesOf(runId);
    expect(target).toMatchObject({ functions: { monolith: { key: web.functionKeys.get(`${names.apps.monolith}/monolith`) } } });
  });

  it('answers not ready while a deployment runs, and starts each deployment once', async () => {
    resources.options.runningPolls = 3;
    const runId = randomUUID();
    const subject = provisioner();
    const provisioned = await subject.provision(branch(runId));
    // Flex Consumption by default, at its default instance memory.
    expect(provisioned.settings).toEqual({ azureFunctionsPlan: 'flex-consumption', memoryMb: 2048, timeoutSeconds: 30 });
    const running = await subject.check(branch(runId, provisioned));
    expect(running).toMatchObject({ phase: 'storage', ready: false, status: 'Running' });
    expect(running.failed).toBeUndefined();
    // A retried provision (the state machine's Retry) neither starts storage again nor fails.
    await subject.provision(branch(runId));
    const { answer } = await provisionToEnd(subject, runId, 20);
    expect(answer.ready).toBe(true);
    for (const name of ['storage', 'apps', 'wiring']) deploymentOf(runId, name);
  });

  it('applies platformOptions.timeoutSeconds as the functionTimeout and refuses memoryMb on Consumption', async () => {
    const runId = randomUUID();
    const subject = provisioner();
    await expect(subject.provision(branch(runId, undefined, { ...CONSUMPTION, memoryMb: 2048 }))).rejects.toThrow(ProvisionFailedError);
    await expect(subject.provision(branch(runId, undefined, { ...CONSUMPTION, memoryMb: 2048 }))).rejects.toThrow(/memoryMb cannot be applied on azure-functions: the Consumption plan gives every instance a fixed 1536 MB/);
    await expect(subject.provision(branch(runId, undefined, { ...CONSUMPTION, timeoutSeconds: 601 }))).rejects.toThrow(/timeoutSeconds must be an integer from 1 to 600/);
    await expect(subject.provision(branch(runId, undefined, { memoryMb: 3072 }))).rejects.toThrow(/memoryMb must be one of 512, 2048, 4096 on the Flex Consumption plan/);
    await expect(subject.provision(branch(runId, undefined, { timeoutSeconds: 231 }))).rejects.toThrow(/timeoutSeconds must be an integer from 1 to 230 on the flex-consumption plan/);
    await expect(subject.provision(branch(runId, undefined, { azureFunctionsPlan: 'premium' }))).rejects.toThrow(/azureFunctionsPlan must be one of flex-consumption, consumption/);
    expect(resources.groups.has(AzureFunctionsProvisioner.namesOf(runId).resourceGroup)).toBe(false);

    const provisioned = await subject.provision(branch(runId, undefined, { timeoutSeconds: 125 }));
    await subject.check(branch(runId, provisioned, { timeoutSeconds: 125 }));
    const template = JSON.stringify(deploymentOf(runId, 'apps').properties.template);
    expect(template).toContain('{"name":"AzureFunctionsJobHost__functionTimeout","value":"00:02:05"}');
  });

  it('answers failed with the first failed operation when a deployment fails, its SAS redacted', async () => {
    const runId = randomUUID();
    const subject = provisioner();
    const provisioned = await subject.provision(branch(runId));
    const afterStorage = await subject.check(branch(runId, provisioned));
    resources.options.failDeployment = (deployment) =>
      deployment.name === 'apps' ? `Site fb-x could not fetch https://acct.blob.core.windows.net/packages/function1.zip?sv=2025&sig=c2VjcmV0 (AccountKey=abc123)` : undefined;

    const failed = await subject.check(branch(runId, afterStorage));

    expect(failed).toMatchObject({ ready: false, failed: true, phase: 'apps', status: 'Failed' });
    expect(failed.reason).toMatch(/^apps deployment Failed: Conflict: Site fb-x could not fetch https:\/\/acct\.blob\.core\.windows\.net\/packages\/function1\.zip\?\[redacted\]/);
    expect(failed.reason).not.toContain('c2VjcmV0');
    expect(failed.reason).not.toContain('abc123');
  });

  it('answers failed when the storage deployment fails', async () => {
    resources.options.failDeployment = (deployment) => (deployment.name === 'storage' ? 'StorageAccountAlreadyTaken: the name is taken' : undefined);
    const runId = randomUUID();
    const { answer } = await provisionToEnd(provisioner(), runId);
    expect(answer).toMatchObject({ failed: true, phase: 'storage', reason: 'storage deployment Failed: Conflict: StorageAccountAlreadyTaken: the name is taken' });
  });

  it('answers failed once readyTimeoutMs has passed since provisioning started', async () => {
    resources.options.runningPolls = 100;
    const runId = randomUUID();
    const subject = provisioner({ readyTimeoutMs: 10 * 60_000 });
    const provisioned = await subject.provision(branch(runId));
    clock += 10 * 60_000;
    expect((await subject.check(branch(runId, provisioned))).failed).toBeUndefined();
    clock += 1;
    expect(await subject.check(branch(runId, provisioned))).toMatchObject({
      ready: false,
      failed: true,
      reason: 'functions not ready 10 min after provisioning started: the storage deployment is Running',
    });
  });

  it('times out while the functions are never indexed', async () => {
    web.options.syncsBeforeIndexed = 1000;
    const runId = randomUUID();
    const subject = provisioner();
    const provisioned = await subject.provision(branch(runId));
    const afterStorage = await subject.check(branch(runId, provisioned));
    const waiting = await subject.check(branch(runId, afterStorage));
    expect(waiting).toMatchObject({ phase: 'apps', ready: false });
    clock += 31 * 60_000;
    // At the deadline the reason names each function still not ready and what it last answered.
    expect(await subject.check(branch(runId, waiting))).toMatchObject({
      failed: true,
      phase: 'apps',
      reason: expect.stringMatching(/^functions not ready 30 min after provisioning started: not ready yet: function1 \(not indexed: HTTP 404 NotFound\), .*monolith \(not indexed: HTTP 404 NotFound\)/),
    });
  });

  it('maps throttling and 5xx to ProvisionTransientError, refusals to ProvisionFailedError', async () => {
    const runId = randomUUID();
    const subject = provisioner();
    arm.failNext({ status: 403, method: 'PUT', pathIncludes: '/resourcegroups/', code: 'AuthorizationFailed' });
    const refused = await subject.provision(branch(runId)).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ProvisionFailedError);
    expect((refused as Error).message).toMatch(/^create resource group fb-[0-9a-f]{8}-lab: HTTP 403: fake ARM: injected 403$/);

    arm.failNext({ status: 429, method: 'PUT', pathIncludes: '/resourcegroups/' });
    await expect(subject.provision(branch(runId))).rejects.toThrow(ProvisionTransientError);

    const provisioned = await subject.provision(branch(runId));
    arm.failNext({ status: 503, pathIncludes: '/listKeys' });
    const throttled = await subject.check(branch(runId, provisioned)).catch((error: unknown) => error);
    expect(throttled).toBeInstanceOf(ProvisionTransientError);
    expect((throttled as Error).message).toMatch(/^list the keys of storage account fb[0-9a-f]+: HTTP 503/);

    arm.failNext({ status: 500, method: 'GET', pathIncludes: '/deployments/storage' });
    await expect(subject.check(branch(runId, provisioned))).rejects.toThrow(ProvisionTransientError);
  });

  it('maps a failed upload to ProvisionTransientError without the account key, and uploads again on the next check', async () => {
    const runId = randomUUID();
    const subject = provisioner();
    const provisioned = await subject.provision(branch(runId));
    blob.failNext(503);
    const error = await subject.check(branch(runId, provisioned)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProvisionTransientError);
    expect((error as Error).message).toMatch(/^upload the package of (function\d|monolith) to fb[0-9a-f]+\/packages: HTTP 503/);
    expectNoSecret((error as Error).message, runId);
    const group = AzureFunctionsProvisioner.namesOf(runId).resourceGroup;
    expect(resources.deployments.some((deployment) => deployment.resourceGroup === group && deployment.name === 'apps')).toBe(false);
    expect(await subject.check(branch(runId, provisioned))).toMatchObject({ phase: 'apps' });
  });

  it('fails a check without provisioning state, and agentTarget before ready', async () => {
    const runId = randomUUID();
    const subject = provisioner();
    expect(await subject.check(branch(runId))).toMatchObject({ ready: false, failed: true, reason: expect.stringMatching(/no Azure Functions provisioning state/) });
    const provisioned = await subject.provision(branch(runId));
    await expect(subject.agentTarget(branch(runId, provisioned))).rejects.toThrow(ProvisionFailedError);
  });

  it('answers failed when the group is gone', async () => {
    const runId = randomUUID();
    const subject = provisioner();
    const provisioned = await subject.provision(branch(runId));
    await subject.teardown(branch(runId, provisioned));
    expect(await subject.check(branch(runId, provisioned))).toMatchObject({ failed: true, reason: expect.stringMatching(/ResourceGroupNotFound|does not exist/) });
  });

  it('tears down by deleting the group; a second teardown is fine', async () => {
    const runId = randomUUID();
    const names = AzureFunctionsProvisioner.namesOf(runId);
    const subject = provisioner();
    await subject.provision(branch(runId));
    await subject.teardown(branch(runId));
    expect(resources.deletedGroups).toContain(names.resourceGroup);
    expect(resources.groups.has(names.resourceGroup)).toBe(false);
    await expect(subject.teardown(branch(runId))).resolves.toBeUndefined();

    arm.failNext({ status: 500, method: 'DELETE', pathIncludes: names.resourceGroup });
    await subject.provision(branch(runId));
    await expect(subject.teardown(branch(runId))).rejects.toThrow(ProvisionTransientError);
  });

  it('follows the group\'s deletion to its end: Deleting, then gone; a deletion that stops is a failure naming the group', async () => {
    const subject = provisioner();
    resources.options.deletingPolls = 2;
    try {
      const runId = randomUUID();
      await subject.provision(branch(runId));
      await subject.teardown(branch(runId));
      const checks = [await subject.removal(branch(runId)), await subject.removal(branch(runId)), await subject.removal(branch(runId))];
      expect(checks).toEqual([{ gone: false, state: 'Deleting' }, { gone: false, state: 'Deleting' }, { gone: true, state: 'deleted' }]);

      const stuckRun = randomUUID();
      const stuck = AzureFunctionsProvisioner.namesOf(stuckRun).resourceGroup;
      resources.options.failGroupDeletion = (name) => name === stuck;
      await subject.provision(branch(stuckRun));
      await subject.teardown(branch(stuckRun));
      await subject.removal(branch(stuckRun));
      await subject.removal(branch(stuckRun));
      expect(await subject.removal(branch(stuckRun))).toEqual({ gone: false, failed: true, state: 'Succeeded', reason: `resource group ${stuck} still exists (provisioning state Succeeded): its deletion stopped with resources left` });
    } finally {
      resources.options.deletingPolls = 0;
      resources.options.failGroupDeletion = undefined;
    }
  });
});

describe('Class: AzureFunctionsProvisioner — the apps phase while cold hosts start', () => {
  /** Provision, then the check that starts `apps`: the next check polls the functions. */
  async function toAppsPhase(subject: AzureFunctionsProvisioner, runId: string): Promise<Record<string, unknown>> {
    const provisioned = await subject.provision(branch(runId));
    const afterStorage = await subject.check(branch(runId, provisioned));
    expect(afterStorage).toMatchObject({ phase: 'apps', ready: false });
    return afterStorage;
  }

  /** Only the listkeys (and nothing else) of one function app. */
  const keysOf = (runId: string, fn: LabFunctionName) => `/sites/${AzureFunctionsProvisioner.namesOf(runId).apps[fn]}/functions/`;

  it('answers not ready (with what each host answered) while the hosts answer 502, then moves on once they answer', async () => {
    web.options.syncsBeforeIndexed = 0;
    const runId = randomUUID();
    const names = AzureFunctionsProvisioner.namesOf(runId);
    const subject = provisioner();
    const afterStorage = await toAppsPhase(subject, runId);
    for (const fn of LAB_FUNCTION_NAMES) arm.failNext({ status: 502, pathIncludes: keysOf(runId, fn), code: 'BadGateway' });
    const syncsBefore = web.syncs.length;

    const waiting = await subject.check(branch(runId, afterStorage));

    expect(waiting).toMatchObject({ phase: 'apps', ready: false, status: 'Succeeded', notReady: Object.fromEntries(LAB_FUNCTION_NAMES.map((fn) => [fn, 'HTTP 502 BadGateway'])) });
    expect(waiting.failed).toBeUndefined();
    expect(waiting.waiting).toBe(`not ready yet: ${LAB_FUNCTION_NAMES.map((fn) => `${fn} (HTTP 502 BadGateway)`).join(', ')}; their triggers were synced`);
    expect(web.syncs.slice(syncsBefore).sort()).toEqual(Object.values(names.apps).sort());

    const afterApps = await subject.check(branch(runId, waiting));
    expect(afterApps).toMatchObject({ phase: 'wiring', ready: false });
    expect(afterApps).not.toHaveProperty('notReady');
    expectNoSecret(afterApps, runId);
  });

  it('counts 408, 429 and a dropped connection as not ready yet, and a refusal as a failure', async () => {
    web.options.syncsBeforeIndexed = 0;
    const runId = randomUUID();
    const subject = provisioner();
    const afterStorage = await toAppsPhase(subject, runId);
    arm.failNext({ status: 408, pathIncludes: keysOf(runId, 'function1'), code: 'RequestTimeout' });
    arm.failNext({ status: 429, pathIncludes: keysOf(runId, 'function2') });
    let dropped = 0;
    listKeysInterceptor = (context, fn) => {
      if (fn !== 'function3' || !context.url.pathname.includes(keysOf(runId, 'function3')) || dropped > 0) return false;
      dropped += 1;
      context.res.socket?.destroy();
      return true;
    };

    const waiting = await subject.check(branch(runId, afterStorage));

    expect(dropped).toBe(1);
    expect(waiting.failed).toBeUndefined();
    const notReady = waiting.notReady as Record<string, string>;
    expect(Object.keys(notReady).sort()).toEqual(['function1', 'function2', 'function3']);
    expect(notReady.function1).toBe('HTTP 408 RequestTimeout');
    expect(notReady.function2).toBe('HTTP 429 TooManyRequests');
    expect(notReady.function3).toMatch(/^(ECONNRESET|REQUEST_SEND_ERROR|UND_ERR_SOCKET)$/);
    expect(await subject.check(branch(runId, waiting))).toMatchObject({ phase: 'wiring' });

    const refusedRun = randomUUID();
    const refusedAfterStorage = await toAppsPhase(subject, refusedRun);
    arm.failNext({ status: 403, pathIncludes: keysOf(refusedRun, 'function2'), code: 'AuthorizationFailed' });
    const refused = await subject.check(branch(refusedRun, refusedAfterStorage)).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ProvisionFailedError);
    expect((refused as Error).message).toMatch(/^list the keys of function2 in fb-[0-9a-f]{8}-function2-[0-9a-f]{6}: HTTP 403: /);
    expectNoSecret((refused as Error).message, refusedRun);
  });

  it('polls the four apps at once: all four key requests are open together', async () => {
    web.options.syncsBeforeIndexed = 0;
    const runId = randomUUID();
    const subject = provisioner();
    const afterStorage = await toAppsPhase(subject, runId);
    let open = 0;
    let mostOpen = 0;
    const answered: string[] = [];
    // Each host takes a while to answer; a sequential poll would never have two requests open.
    listKeysInterceptor = (context, fn) => {
      open += 1;
      mostOpen = Math.max(mostOpen, open);
      setTimeout(() => {
        open -= 1;
        answered.push(fn);
        web.route(context);
      }, 200);
      return true;
    };

    const afterApps = await subject.check(branch(runId, afterStorage));

    expect(answered.sort()).toEqual([...LAB_FUNCTION_NAMES].sort());
    expect(mostOpen).toBe(4);
    expect(afterApps).toMatchObject({ phase: 'wiring' });
  });

  it('counts a host that does not answer within functionCallTimeoutMs as not ready yet, without waiting for it', async () => {
    web.options.syncsBeforeIndexed = 0;
    const runId = randomUUID();
    const subject = provisioner({ functionCallTimeoutMs: 200 });
    const afterStorage = await toAppsPhase(subject, runId);
    const held: FakeArmRouteContext[] = [];
    listKeysInterceptor = (context, fn) => {
      if (fn !== 'monolith') return false;
      held.push(context);
      return true;
    };
    try {
      const waiting = await subject.check(branch(runId, afterStorage));
      expect(held).toHaveLength(1);
      expect(waiting).toMatchObject({ phase: 'apps', ready: false, notReady: { monolith: 'no answer within 0.2 s' } });
      expect(Object.keys(waiting.notReady as object)).toEqual(['monolith']);
    } finally {
      for (const context of held) context.res.destroy();
    }
  });
});
