/**
 * Which platforms the control plane of a stage can run, from its stage settings alone (no synth):
 * the same rule `controlPlaneStackProps` applies when it hands the stack its cloud parts, and
 * `enabledCloudPlatforms` (./cloud-config.ts) applies to the config the stack writes. Each cloud
 * platform is benchmarked from the opposite cloud, so every one needs Azure; OpenFaaS also needs
 * a gateway. `local` never runs on a deployed control plane.
 */
import type { PlatformName } from '../platforms/names';
import type { StageConfig } from './stage';

/** The platforms a deployed stage runs, and for each cloud platform it does not, the settings it lacks. */
export interface StagePlatforms {
  readonly enabled: readonly PlatformName[];
  readonly missing: Readonly<Partial<Record<PlatformName, string>>>;
}

/** The platforms the stage's deployed control plane can run. */
export function stagePlatforms(config: Pick<StageConfig, 'azureSubscriptionId' | 'openfaasGatewayUrl'>): StagePlatforms {
  const azure = config.azureSubscriptionId !== '';
  const gateway = config.openfaasGatewayUrl !== '';
  const needs: [PlatformName, string[]][] = [
    ['aws-lambda', azure ? [] : ['-c azureSubscriptionId=… (its client is an Azure VM)']],
    ['azure-functions', azure ? [] : ['-c azureSubscriptionId=…']],
    ['openfaas', [...(gateway ? [] : ['-c openfaasGatewayUrl=…']), ...(azure ? [] : ['-c azureSubscriptionId=… (its client is an Azure VM)'])]],
  ];
  const enabled: PlatformName[] = [];
  const missing: Partial<Record<PlatformName, string>> = { local: 'nothing: the local platform runs only on this machine (fb run, fb serve)' };
  for (const [platform, lacking] of needs) {
    if (lacking.length) missing[platform] = lacking.join(' and ');
    else enabled.push(platform);
  }
  return { enabled, missing };
}
