/**
 * Which Azure Functions plan a run's apps ran on, and their instance memory: what the cost
 * estimate bills an azure-functions run by (./usage-lines.ts). A finished run says it in its
 * manifest; a run about to start, in its platform options.
 */
import {
  AZURE_FUNCTIONS_PLANS,
  type AzureFunctionsPlan,
  CONSUMPTION_MEMORY_MB,
  DEFAULT_AZURE_FUNCTIONS_PLAN,
  FLEX_DEFAULT_MEMORY_MB,
} from '../platforms/azure-functions/lab-template';

export interface AzureHosting {
  plan: AzureFunctionsPlan;
  /** The memory of one instance, MB: Flex Consumption's chosen size, or Consumption's fixed one. */
  instanceMemoryMb: number;
}

const planOf = (value: unknown): AzureFunctionsPlan | undefined => ((AZURE_FUNCTIONS_PLANS as readonly unknown[]).includes(value) ? (value as AzureFunctionsPlan) : undefined);
const recordOf = (value: unknown): Record<string, unknown> => (typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {});
const memoryOf = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined);

/** A plan's instance memory: the chosen size on Flex Consumption (else its default), Consumption's fixed size. */
function hostingOf(plan: AzureFunctionsPlan, chosenMemoryMb: unknown): AzureHosting {
  if (plan === 'consumption') return { plan, instanceMemoryMb: CONSUMPTION_MEMORY_MB };
  return { plan, instanceMemoryMb: memoryOf(chosenMemoryMb) ?? FLEX_DEFAULT_MEMORY_MB };
}

/**
 * What a stored run recorded: the settings ProvisionFunctions wrote (`platform_settings`: the plan
 * the apps were deployed on and their memory), else the plan the run asked for (`platform_options`;
 * a run that stopped before ProvisionFunctions answered made no apps to bill). A run that records
 * no plan at all predates the Flex Consumption plan, so it ran on Consumption.
 */
export function recordedAzureHosting(manifest: Record<string, unknown> | undefined): AzureHosting {
  const settings = recordOf(manifest?.platform_settings);
  const options = recordOf(manifest?.platform_options);
  const deployed = planOf(settings.azureFunctionsPlan);
  if (deployed) return hostingOf(deployed, settings.memoryMb);
  const asked = planOf(options.azureFunctionsPlan);
  return asked ? hostingOf(asked, options.memoryMb) : hostingOf('consumption', undefined);
}

/** What a run about to start will get: its platform options, else the lab's default plan and memory. */
export function plannedAzureHosting(platformOptions: Record<string, unknown>): AzureHosting {
  return hostingOf(planOf(platformOptions.azureFunctionsPlan) ?? DEFAULT_AZURE_FUNCTIONS_PLAN, platformOptions.memoryMb);
}
