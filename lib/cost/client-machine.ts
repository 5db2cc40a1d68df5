/**
 * Which client machine a run has and of what size, for its cost: the deployed control plane
 * benchmarks each cloud platform from the other cloud (lib/config/cloud-config.ts), with the
 * machine sizes the client drivers use unless the run's platform options name another.
 */
import { DEFAULT_CLIENT_INSTANCE_TYPE } from '../platforms/aws/ec2-client-machine';
import { DEFAULT_CLIENT_VM_SIZE } from '../platforms/azure/vm-client-machine';
import type { ClientKind } from './run-facts';

/** The client of each platform on the deployed control plane (lambdas/shared/cloud-step-dependencies.ts). */
export const DEPLOYED_CLIENT_KIND: Readonly<Record<string, ClientKind>> = {
  'aws-lambda': 'azure-vm',
  openfaas: 'azure-vm',
  'azure-functions': 'ec2',
};

/** The machine size of a client of this kind, given the run's platform options. */
export function clientSizeOf(kind: ClientKind, platformOptions: Record<string, unknown>): string | null {
  const named = (value: unknown, fallback: string) => (typeof value === 'string' && value ? value : fallback);
  if (kind === 'ec2') return named(platformOptions.clientInstanceType, DEFAULT_CLIENT_INSTANCE_TYPE);
  if (kind === 'azure-vm') return named(platformOptions.clientVmSize, DEFAULT_CLIENT_VM_SIZE);
  return null;
}

/** The client kind a client driver's answer names (`kind` of ProvisionClient / CheckClientReady). */
export function clientKindOf(answer: Record<string, unknown> | undefined): ClientKind {
  return answer?.kind === 'ec2' || answer?.kind === 'azure-vm' ? answer.kind : 'local';
}
