/**
 * The ARM templates of a run's Azure Functions lab, as plain objects (the control plane builds them
 * in its own Lambda and hands them to `deployments.beginCreateOrUpdate`). All three are deployed
 * into the run's resource group, in this order, by `AzureFunctionsProvisioner`:
 *
 * 1. `storage` ({@link storageTemplate}): the run's storage account (StorageV2, Standard_LRS,
 *    https only, TLS 1.2, no public blob access) and its private blob containers `packages` and
 *    `deployments` (Flex Consumption's deployment storage).
 *    Output `blobEndpoint` (the account's primary blob endpoint, no secret in it).
 * 2. `apps` ({@link appsTemplate}), on the Flex Consumption plan (the default, {@link AzureFunctionsPlan}):
 *    one Flex Consumption plan (FC1) and one function app per lab function whose `functionAppConfig`
 *    names the runtime (`node`, version), the instance memory (512, 2048 or 4096 MB) and its deployment
 *    storage (the private container `deployments`, reached with the connection string in
 *    `DEPLOYMENT_STORAGE_CONNECTION_STRING`); each app's package is deployed by a `onedeploy`
 *    extension resource from the same read-only SAS URL as below (Flex has no
 *    `WEBSITE_RUN_FROM_PACKAGE`, `FUNCTIONS_WORKER_RUNTIME` or `linuxFxVersion`).
 *    On the Consumption plan: one Linux Consumption plan (Y1, Dynamic) and one function app
 *    per lab function (`functionapp,linux`, `Node|<version>`, Functions v4, `httpsOnly`, TLS 1.2,
 *    FTPS off). Each app runs its code from `WEBSITE_RUN_FROM_PACKAGE` = a read-only SAS URL of its
 *    zip in `packages`, passed as a securestring parameter (ARM neither logs nor returns those).
 *    `AzureWebJobsStorage` is built inside the template with `listKeys()`, so the account key never
 *    passes through a parameter, an output or the deployment history. Outputs `hostName<Fn>`
 *    (each app's `defaultHostName`).
 * 3. `wiring` ({@link wiringTemplate}): each app's `appsettings` again, now with
 *    `FB_AZURE_FUNCTIONS` (logical function name → `{ url, key }` of every lab function, read by
 *    the Azure adapter for nested calls) as one more securestring parameter. A `sites/config`
 *    `appsettings` PUT replaces the whole set, so it repeats every setting of step 2.
 *
 * Why nesting needs a third deployment: a caller needs its callees' function keys, which exist only
 * once the callee app runs its package and the Functions runtime has indexed the function (after a
 * trigger sync). Template-side `listKeys()` on `Microsoft.Web/sites/functions` in step 2 would run
 * before that; in step 3 it would run while other apps restart from their own settings update. So
 * the provisioner reads the keys itself between steps 2 and 3 (the same `listFunctionKeys` call
 * `agentTarget` makes) and passes them in as a securestring.
 *
 * Names are literals (the provisioner derives them from the run id); no name is longer than 32
 * characters, and they differ before character 32, so the Functions host ids of the four apps that
 * share one storage account cannot collide. Every resource carries `faas-benchmarker:run=<runId>`.
 */
import { LAB_FUNCTION_NAMES, type LabFunctionName } from '../../../lab-functions/names';
import { logicalIdOf, RUN_TAG_KEY } from '../run-resources';

export const ARM_TEMPLATE_SCHEMA = 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#';
export const STORAGE_API_VERSION = '2023-05-01';
export const WEB_API_VERSION = '2023-12-01';
/** The private blob container holding each function's zip. */
export const PACKAGES_CONTAINER = 'packages';
/** The private blob container Flex Consumption apps keep their deployed package in. */
export const DEPLOYMENTS_CONTAINER = 'deployments';
/**
 * The hosting plans a run's function apps may use: `flex-consumption` (FC1, the default; Microsoft
 * recommends it for new serverless apps) or `consumption` (Linux Consumption, Y1).
 */
export const AZURE_FUNCTIONS_PLANS = ['flex-consumption', 'consumption'] as const;
export type AzureFunctionsPlan = (typeof AZURE_FUNCTIONS_PLANS)[number];
export const DEFAULT_AZURE_FUNCTIONS_PLAN: AzureFunctionsPlan = 'flex-consumption';
/**
 * Instance memory sizes a Flex Consumption app may choose (`instanceMemoryMB`), MB: 512 (0.25 core),
 * 2048 (1 core) and 4096 (2 cores), per "Azure Functions Flex Consumption plan hosting", Instance
 * sizes, https://learn.microsoft.com/azure/azure-functions/flex-consumption-plan#instance-sizes
 * (read 2026-12-06; the page added 512 MB after first offering 2048 and 4096).
 */
export const FLEX_MEMORY_MB = [512, 2048, 4096] as const;
/** Flex Consumption's instance memory when the run names none, MB. */
export const FLEX_DEFAULT_MEMORY_MB = 2048;
/** Instances one Flex Consumption app may scale out to (`maximumInstanceCount`; Azure's default). */
export const FLEX_MAX_INSTANCE_COUNT = 100;
/** App setting holding the connection string of a Flex app's deployment storage. */
export const DEPLOYMENT_STORAGE_SETTING = 'DEPLOYMENT_STORAGE_CONNECTION_STRING';
/** Memory of a Linux Consumption instance: fixed by the plan, not configurable. */
export const CONSUMPTION_MEMORY_MB = 1536;
/** The functions' `functionTimeout` unless the run's platformOptions.timeoutSeconds says otherwise (s). */
export const DEFAULT_AZURE_TIMEOUT_SECONDS = 30;
/** Longest `functionTimeout` the Consumption plan allows. */
export const CONSUMPTION_MAX_TIMEOUT_SECONDS = 600;
/**
 * Longest an HTTP-triggered function may take to answer, whatever its `functionTimeout` (s): the
 * idle timeout of the load balancer in front of every function app.
 */
export const HTTP_TRIGGER_MAX_RESPONSE_SECONDS = 230;
/** Securestring parameter of the wiring deployment holding `FB_AZURE_FUNCTIONS`. */
export const NESTED_FUNCTIONS_PARAMETER = 'nestedFunctions';

/** The names of a run's Azure resources (see `AzureFunctionsProvisioner.namesOf`). */
export interface AzureLabNames {
  resourceGroup: string;
  storageAccount: string;
  plan: string;
  /** Lab function → its function app. */
  apps: Record<LabFunctionName, string>;
}

export interface ArmResource {
  type: string;
  apiVersion: string;
  name: string;
  location?: string;
  kind?: string;
  sku?: Record<string, string>;
  tags?: Record<string, string>;
  dependsOn?: string[];
  properties?: Record<string, unknown>;
}

/** An ARM deployment template, loosely typed: what goes into a deployment's `properties.template`. */
export type ArmTemplate = {
  $schema: string;
  contentVersion: '1.0.0.0';
  parameters: Record<string, { type: 'securestring' | 'string'; metadata?: { description: string } }>;
  resources: ArmResource[];
  outputs: Record<string, { type: 'string'; value: string }>;
};

export interface StorageTemplateOptions {
  runId: string;
  location: string;
  names: AzureLabNames;
}

/** Node.js major versions the lab function apps may run: maintained LTS lines Azure Functions v4 supports. */
export type AzureFunctionsNodeVersion = '22' | '24';

export interface AppsTemplateOptions extends StorageTemplateOptions {
  /** The apps' hosting plan. */
  plan: AzureFunctionsPlan;
  /** Flex Consumption's instance memory, one of {@link FLEX_MEMORY_MB}; unused on Consumption. */
  flexMemoryMb?: number;
  /** Node.js major version of the apps (`linuxFxVersion: Node|<version>`). */
  nodeVersion: AzureFunctionsNodeVersion;
  /** The functions' `functionTimeout` (host.json, overridden through an app setting). */
  timeoutSeconds: number;
}

/** Securestring parameter carrying a function's package SAS URL: `packageUrlFunction1`. */
export function packageUrlParameterOf(fn: LabFunctionName): string {
  return `packageUrl${logicalIdOf(fn)}`;
}

/** Output of the apps deployment carrying a function app's host name: `hostNameFunction1`. */
export function hostNameOutputOf(fn: LabFunctionName): string {
  return `hostName${logicalIdOf(fn)}`;
}

/** Name of a function's zip in the packages container. */
export function packageBlobOf(fn: LabFunctionName): string {
  return `${fn}.zip`;
}

/** The storage deployment (see the file comment). */
export function storageTemplate(options: StorageTemplateOptions): ArmTemplate {
  const { runId, location, names } = options;
  const tags = { [RUN_TAG_KEY]: runId };
  return {
    $schema: ARM_TEMPLATE_SCHEMA,
    contentVersion: '1.0.0.0',
    parameters: {},
    resources: [
      {
        type: 'Microsoft.Storage/storageAccounts',
        apiVersion: STORAGE_API_VERSION,
        name: names.storageAccount,
        location,
        kind: 'StorageV2',
        sku: { name: 'Standard_LRS' },
        tags,
        properties: {
          accessTier: 'Hot',
          minimumTlsVersion: 'TLS1_2',
          supportsHttpsTrafficOnly: true,
          allowBlobPublicAccess: false,
          // AzureWebJobsStorage and the package upload authenticate with the account key.
          allowSharedKeyAccess: true,
        },
      },
      {
        type: 'Microsoft.Storage/storageAccounts/blobServices/containers',
        apiVersion: STORAGE_API_VERSION,
        name: `${names.storageAccount}/default/${PACKAGES_CONTAINER}`,
        dependsOn: [`[${storageAccountId(names)}]`],
        properties: { publicAccess: 'None' },
      },
      {
        type: 'Microsoft.Storage/storageAccounts/blobServices/containers',
        apiVersion: STORAGE_API_VERSION,
        name: `${names.storageAccount}/default/${DEPLOYMENTS_CONTAINER}`,
        dependsOn: [`[${storageAccountId(names)}]`],
        properties: { publicAccess: 'None' },
      },
    ],
    outputs: {
      blobEndpoint: { type: 'string', value: `[reference(${storageAccountId(names)}, '${STORAGE_API_VERSION}').primaryEndpoints.blob]` },
    },
  };
}

/** The apps deployment (see the file comment). */
export function appsTemplate(options: AppsTemplateOptions): ArmTemplate {
  return options.plan === 'flex-consumption' ? flexAppsTemplate(options) : consumptionAppsTemplate(options);
}

/** The apps deployment on Flex Consumption: FC1 plan, `functionAppConfig`, one-deploy of each package. */
function flexAppsTemplate(options: AppsTemplateOptions): ArmTemplate {
  const { runId, location, names, nodeVersion } = options;
  const tags = { [RUN_TAG_KEY]: runId };
  const planId = `[resourceId('Microsoft.Web/serverfarms', '${names.plan}')]`;
  const deploymentContainer = `[concat(reference(${storageAccountId(names)}, '${STORAGE_API_VERSION}').primaryEndpoints.blob, '${DEPLOYMENTS_CONTAINER}')]`;
  const resources: ArmResource[] = [
    {
      type: 'Microsoft.Web/serverfarms',
      apiVersion: WEB_API_VERSION,
      name: names.plan,
      location,
      kind: 'functionapp',
      sku: { name: 'FC1', tier: 'FlexConsumption' },
      tags,
      properties: { reserved: true },
    },
  ];
  const outputs: ArmTemplate['outputs'] = {};
  for (const fn of LAB_FUNCTION_NAMES) {
    const siteId = `[resourceId('Microsoft.Web/sites', '${names.apps[fn]}')]`;
    resources.push(
      labSite(fn, options, planId, {
        functionAppConfig: {
          deployment: {
            storage: { type: 'blobContainer', value: deploymentContainer, authentication: { type: 'StorageAccountConnectionString', storageAccountConnectionStringName: DEPLOYMENT_STORAGE_SETTING } },
          },
          scaleAndConcurrency: { maximumInstanceCount: FLEX_MAX_INSTANCE_COUNT, instanceMemoryMB: flexMemoryOf(options) },
          runtime: { name: 'node', version: nodeVersion },
        },
      }),
      {
        type: 'Microsoft.Web/sites/extensions',
        apiVersion: WEB_API_VERSION,
        name: `${names.apps[fn]}/onedeploy`,
        dependsOn: [siteId],
        properties: { packageUri: `[parameters('${packageUrlParameterOf(fn)}')]`, remoteBuild: false },
      },
    );
    outputs[hostNameOutputOf(fn)] = hostNameOutput(names, fn);
  }
  return { $schema: ARM_TEMPLATE_SCHEMA, contentVersion: '1.0.0.0', parameters: packageUrlParameters(), resources, outputs };
}

/**
 * A lab function's app on the plan `planId`: what both plans share (HTTPS and TLS 1.2 only, no FTP,
 * its app settings), with the plan's own properties (`siteConfig` entries merged first).
 */
function labSite(fn: LabFunctionName, options: AppsTemplateOptions, planId: string, plan: { siteConfig?: Record<string, unknown>; [property: string]: unknown }): ArmResource {
  const { siteConfig, ...properties } = plan;
  return {
    type: 'Microsoft.Web/sites',
    apiVersion: WEB_API_VERSION,
    name: options.names.apps[fn],
    location: options.location,
    kind: 'functionapp,linux',
    tags: { [RUN_TAG_KEY]: options.runId },
    dependsOn: [planId],
    properties: {
      serverFarmId: planId,
      ...properties,
      httpsOnly: true,
      clientAffinityEnabled: false,
      siteConfig: {
        ...siteConfig,
        minTlsVersion: '1.2',
        scmMinTlsVersion: '1.2',
        ftpsState: 'Disabled',
        appSettings: Object.entries(labAppSettings(fn, options)).map(([name, value]) => ({ name, value })),
      },
    },
  };
}

/** The template output naming a lab function's app host. */
function hostNameOutput(names: AzureLabNames, fn: LabFunctionName): { type: 'string'; value: string } {
  return { type: 'string', value: `[reference(resourceId('Microsoft.Web/sites', '${names.apps[fn]}'), '${WEB_API_VERSION}').defaultHostName]` };
}

/** The apps deployment on Linux Consumption: Y1 plan, each app running from its package URL. */
function consumptionAppsTemplate(options: AppsTemplateOptions): ArmTemplate {
  const { runId, location, names, nodeVersion } = options;
  const tags = { [RUN_TAG_KEY]: runId };
  const planId = `[resourceId('Microsoft.Web/serverfarms', '${names.plan}')]`;
  const resources: ArmResource[] = [
    {
      type: 'Microsoft.Web/serverfarms',
      apiVersion: WEB_API_VERSION,
      name: names.plan,
      location,
      kind: 'linux',
      sku: { name: 'Y1', tier: 'Dynamic' },
      tags,
      properties: { computeMode: 'Dynamic', reserved: true },
    },
  ];
  const outputs: ArmTemplate['outputs'] = {};
  for (const fn of LAB_FUNCTION_NAMES) {
    resources.push(labSite(fn, options, planId, { reserved: true, siteConfig: { linuxFxVersion: `Node|${nodeVersion}` } }));
    outputs[hostNameOutputOf(fn)] = hostNameOutput(names, fn);
  }
  return { $schema: ARM_TEMPLATE_SCHEMA, contentVersion: '1.0.0.0', parameters: packageUrlParameters(), resources, outputs };
}

/** The wiring deployment (see the file comment). */
export function wiringTemplate(options: AppsTemplateOptions): ArmTemplate {
  const { names } = options;
  return {
    $schema: ARM_TEMPLATE_SCHEMA,
    contentVersion: '1.0.0.0',
    parameters: {
      ...packageUrlParameters(),
      [NESTED_FUNCTIONS_PARAMETER]: { type: 'securestring', metadata: { description: 'FB_AZURE_FUNCTIONS: JSON of function name → { url, key }' } },
    },
    resources: LAB_FUNCTION_NAMES.map((fn) => ({
      type: 'Microsoft.Web/sites/config',
      apiVersion: WEB_API_VERSION,
      name: `${names.apps[fn]}/appsettings`,
      properties: { ...labAppSettings(fn, options), FB_AZURE_FUNCTIONS: `[parameters('${NESTED_FUNCTIONS_PARAMETER}')]` },
    })),
    outputs: {},
  };
}

/**
 * The app settings of a lab function's app, values as ARM expressions where needed. Not set:
 * `WEBSITE_NODE_DEFAULT_VERSION` (Windows only; Linux takes the version from `linuxFxVersion`),
 * `WEBSITE_CONTENTAZUREFILECONNECTIONSTRING`/`WEBSITE_CONTENTSHARE` (a Linux Consumption app that
 * runs from a package URL has no content share), Application Insights (its telemetry would add
 * work to every measured invocation).
 */
export function labAppSettings(fn: LabFunctionName, options: Pick<AppsTemplateOptions, 'names' | 'timeoutSeconds' | 'plan' | 'flexMemoryMb'>): Record<string, string> {
  const { names, timeoutSeconds } = options;
  const key = `listKeys(${storageAccountId(names)}, '${STORAGE_API_VERSION}').keys[0].value`;
  const connectionString = `[format('DefaultEndpointsProtocol=https;AccountName={0};EndpointSuffix={1};AccountKey={2}', '${names.storageAccount}', environment().suffixes.storage, ${key})]`;
  if (options.plan === 'flex-consumption') {
    // Flex takes the runtime from functionAppConfig and refuses FUNCTIONS_WORKER_RUNTIME,
    // FUNCTIONS_EXTENSION_VERSION and WEBSITE_RUN_FROM_PACKAGE as app settings.
    return {
      AzureWebJobsStorage: connectionString,
      [DEPLOYMENT_STORAGE_SETTING]: connectionString,
      AzureFunctionsJobHost__functionTimeout: formatTimeSpan(timeoutSeconds),
      FB_MEMORY_MB: String(flexMemoryOf(options)),
    };
  }
  return {
    AzureWebJobsStorage: connectionString,
    FUNCTIONS_EXTENSION_VERSION: '~4',
    FUNCTIONS_WORKER_RUNTIME: 'node',
    WEBSITE_RUN_FROM_PACKAGE: `[parameters('${packageUrlParameterOf(fn)}')]`,
    // host.json's functionTimeout, overridden per deployment (hh:mm:ss).
    AzureFunctionsJobHost__functionTimeout: formatTimeSpan(timeoutSeconds),
    // The adapter reports memory_mb from this; Consumption does not expose its fixed limit.
    FB_MEMORY_MB: String(CONSUMPTION_MEMORY_MB),
  };
}

/** The Flex instance memory of the options, MB: the chosen one, else {@link FLEX_DEFAULT_MEMORY_MB}. */
function flexMemoryOf(options: Pick<AppsTemplateOptions, 'flexMemoryMb'>): number {
  return options.flexMemoryMb ?? FLEX_DEFAULT_MEMORY_MB;
}

function packageUrlParameters(): ArmTemplate['parameters'] {
  return Object.fromEntries(
    LAB_FUNCTION_NAMES.map((fn) => [packageUrlParameterOf(fn), { type: 'securestring', metadata: { description: `package of ${fn} (WEBSITE_RUN_FROM_PACKAGE, or onedeploy's packageUri on Flex): read-only SAS URL of its zip` } }]),
  );
}

/** The storage account's id, as an expression to use inside `[...]`. */
function storageAccountId(names: AzureLabNames): string {
  return `resourceId('Microsoft.Storage/storageAccounts', '${names.storageAccount}')`;
}

/** `hh:mm:ss` of a number of seconds (below a day). */
function formatTimeSpan(seconds: number): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(Math.floor(seconds / 3600))}:${pad(Math.floor((seconds % 3600) / 60))}:${pad(seconds % 60)}`;
}
