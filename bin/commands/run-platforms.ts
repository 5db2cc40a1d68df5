/**
 * `fb run --platform a,b,c`: the platforms of one run, and which control plane can run them all in
 * one RunExperiment execution (its Map runs one branch per platform, in parallel).
 *
 * - `local` and `openfaas` only: the local control plane on this machine (`openfaas` is a gateway
 *   given with `--gateway-url` or FB_GATEWAY_URL, as for `--platform openfaas` alone).
 * - `aws-lambda` and `azure-functions`, with or without `openfaas`: the deployed control plane;
 *   `openfaas` is then the deployment's gateway (`-c openfaasGatewayUrl` at deploy).
 * - `local` with a cloud platform: refused, since no control plane runs both.
 */
import { DEPLOYED_ONLY_PLATFORMS, isPlatformName, PLATFORMS, type PlatformName } from '../../lib/platforms/names';
import type { RunPlatformOptions } from './platform-options';

export class InvalidPlatformListError extends Error {
  override name = 'InvalidPlatformListError';
}

export class PlatformMixError extends Error {
  override name = 'PlatformMixError';
}

/** What `fb run` asks of one control plane, whichever runs it (./run-local-command.ts, ./run-cloud.ts). */
export interface RunRequest {
  platforms: readonly PlatformName[];
  quick: boolean;
  paramOverrides: Record<string, unknown>;
  platformOptions: RunPlatformOptions;
  /** With `openfaas` among the platforms on the local control plane (else FB_GATEWAY_URL); refused by the deployed one. */
  gatewayUrl?: string;
  budgetUsd?: number;
  json?: boolean;
}

/** Which control plane runs an execution: this machine's, or the one deployed in AWS. */
export type ControlPlaneKind = 'local' | 'deployed';

/** Parse `--platform`: comma-separated known platforms, none repeated, at least one. */
export function parsePlatformList(text: string): PlatformName[] {
  const names = text.split(',').map((name) => name.trim());
  if (names.some((name) => name === '')) throw new InvalidPlatformListError(`--platform "${text}": name platforms separated by commas, e.g. local,openfaas`);
  const unknown = names.filter((name) => !isPlatformName(name));
  if (unknown.length) throw new InvalidPlatformListError(`--platform: unknown platform ${unknown.join(', ')}; known: ${PLATFORMS.join(', ')}`);
  const repeated = names.filter((name, index) => names.indexOf(name) !== index);
  if (repeated.length) throw new InvalidPlatformListError(`--platform: ${[...new Set(repeated)].join(', ')} named more than once`);
  return names as PlatformName[];
}

/** The control plane that runs all of `platforms` in one execution, or a PlatformMixError naming the one it cannot run. */
export function controlPlaneOf(platforms: readonly PlatformName[]): ControlPlaneKind {
  const cloud = platforms.filter((platform) => DEPLOYED_ONLY_PLATFORMS.includes(platform));
  if (!cloud.length) return 'local';
  if (platforms.includes('local')) {
    throw new PlatformMixError(`--platform ${platforms.join(',')}: local runs only on this machine's control plane and ${cloud.join(', ')} only on the deployed one; run them with separate fb run commands`);
  }
  return 'deployed';
}

/** The input's `platformOptions` for a deployed run: the client sizes only. */
export function checkDeployedRunOptions(platformOptions: RunPlatformOptions, gatewayUrl: string | undefined): Record<string, string> {
  if (Object.keys(platformOptions.local).length || gatewayUrl) {
    throw new PlatformMixError("--gateway-url and the local platform's --platform-option settings apply only to local runs; a cloud run takes client-instance-type and client-vm-size");
  }
  return platformOptions.client;
}

/**
 * The checks of a run on the local control plane: no client sizes (the client is this machine),
 * `--gateway-url` only with `openfaas` in the list, the local platform's settings only with `local`.
 */
export function checkLocalRunOptions(platforms: readonly PlatformName[], platformOptions: RunPlatformOptions, gatewayUrl: string | undefined): void {
  if (Object.keys(platformOptions.client).length) throw new PlatformMixError('client-instance-type and client-vm-size apply to the cloud platforms (aws-lambda, azure-functions)');
  if (gatewayUrl && !platforms.includes('openfaas')) throw new PlatformMixError('--gateway-url goes with --platform openfaas');
  if (Object.keys(platformOptions.local).length && !platforms.includes('local')) throw new PlatformMixError('--platform-option applies only to the local platform');
}

/** `linear-invocation`, or `linear-invocation on openfaas` when the run covers several platforms. */
export function runLabel(experiment: string, platform: string, several: boolean): string {
  return several ? `${experiment} on ${platform}` : experiment;
}
