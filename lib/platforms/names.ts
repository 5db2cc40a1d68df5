/**
 * The platforms a run may name: the one list. Which of them a control plane can serve depends on
 * the provisioners and clients it was built with (a platform it lacks is refused at ValidateInput).
 * The agent's provider configs (lib/agent/provider-config.ts) are checked against this list at
 * compile time, so a platform cannot be added to one and forgotten in the other.
 */
export const PLATFORMS = ['local', 'openfaas', 'aws-lambda', 'azure-functions'] as const;
export type PlatformName = (typeof PLATFORMS)[number];

/**
 * The platforms only the control plane deployed in AWS can run: their functions and client
 * machines are made in the clouds. `local` and `openfaas` also run on the local control plane.
 */
export const DEPLOYED_ONLY_PLATFORMS: readonly PlatformName[] = ['aws-lambda', 'azure-functions'];

export function isPlatformName(name: string): name is PlatformName {
  return (PLATFORMS as readonly string[]).includes(name);
}
