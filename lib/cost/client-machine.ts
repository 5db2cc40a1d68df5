/**
 * Which client machine a run has and of what size, for its cost: the deployed control plane
 * benchmarks each cloud platform from the other cloud (lib/config/cloud-config.ts). The size is
 * what the run's manifest says ProvisionClient made; before the run (or when the manifest does not
 * say), the run's platform option, else the experiment's declaration, else the deployment's
 * default (lib/platforms/client/machine-size.ts).
 */
import { DEFAULT_CLIENT_INSTANCE_TYPE } from '../platforms/aws/ec2-client-machine';
import { DEFAULT_CLIENT_VM_SIZE } from '../platforms/azure/vm-client-machine';
import { CLIENT_SIZE_OPTIONS, type ClientMachineNeed, chooseClientSize } from '../platforms/client/machine-size';
import type { ClientKind } from './run-facts';

/** The client of each platform on the deployed control plane (lambdas/shared/cloud-step-dependencies.ts). */
export const DEPLOYED_CLIENT_KIND: Readonly<Record<string, ClientKind>> = {
  'aws-lambda': 'azure-vm',
  openfaas: 'azure-vm',
  'azure-functions': 'ec2',
};

/** The size a client of this kind will be made with: platform option, experiment, deployment default. */
export function clientSizeOf(kind: ClientKind, platformOptions: Record<string, unknown>, need?: ClientMachineNeed): string | null {
  if (kind === 'local') return null;
  const chosen = chooseClientSize(need, platformOptions).platformOptions;
  const named = (value: unknown, fallback: string) => (typeof value === 'string' && value ? value : fallback);
  if (kind === 'ec2') return named(chosen[CLIENT_SIZE_OPTIONS.ec2InstanceType], DEFAULT_CLIENT_INSTANCE_TYPE);
  return named(chosen[CLIENT_SIZE_OPTIONS.azureVmSize], DEFAULT_CLIENT_VM_SIZE);
}

/** The size the run's manifest (`client`, written by ProvisionClient) or the client's answer says was made. */
export function recordedClientSize(manifest: Record<string, unknown> | undefined, answer: Record<string, unknown> | undefined): string | undefined {
  const recorded = (manifest?.client ?? {}) as Record<string, unknown>;
  for (const value of [recorded.instance_type, recorded.vm_size, answer?.instanceType, answer?.vmSize]) if (typeof value === 'string' && value) return value;
  return undefined;
}

/** The client kind a client driver's answer names (`kind` of ProvisionClient / CheckClientReady). */
export function clientKindOf(answer: Record<string, unknown> | undefined): ClientKind {
  return answer?.kind === 'ec2' || answer?.kind === 'azure-vm' ? answer.kind : 'local';
}
