/**
 * What a lab function on OpenFaaS is deployed with, in one place for both ways of deploying it:
 * the provisioner's per-run deployments through the gateway API (provisioner.ts) and the
 * `stack.yml` a user deploys with `faas-cli` (stack-yml.ts): its image, its environment and its
 * labels.
 */
import type { LabFunctionName } from '../../../lab-functions/names';

/** The gateway as a function inside an OpenFaaS cluster reaches it (the Helm chart's service). */
export const IN_CLUSTER_GATEWAY_URL = 'http://gateway.openfaas:8080';

/** Labels every lab function carries: OpenFaaS may scale it to zero when idle (cold starts happen). */
export const LAB_FUNCTION_LABELS: Readonly<Record<string, string>> = { 'com.openfaas.scale.zero': 'true' };

/** Image prefix when none is configured: `faas-benchmarker/<function>`, what the local platform resolves. */
const DEFAULT_IMAGE_PREFIX = 'faas-benchmarker/';
/** Image tag when none is configured. */
const DEFAULT_IMAGE_TAG = 'latest';

/** Where the lab functions' images come from. */
export interface LabFunctionImages {
  /**
   * The image of each function by name (e.g. the ECR image URIs of the deployed control plane);
   * a function listed here ignores the prefix and tag.
   *
   * @default - every image is `<imagePrefix><function>:<imageTag>`
   */
  images?: Partial<Record<LabFunctionName, string>>;
  /** @default {@link DEFAULT_IMAGE_PREFIX} */
  imagePrefix?: string;
  /** @default {@link DEFAULT_IMAGE_TAG} */
  imageTag?: string;
}

/** The image a lab function is deployed from. */
export function labFunctionImage(name: LabFunctionName, source: LabFunctionImages): string {
  return source.images?.[name] ?? `${source.imagePrefix ?? DEFAULT_IMAGE_PREFIX}${name}:${source.imageTag ?? DEFAULT_IMAGE_TAG}`;
}

/**
 * The environment of a deployed lab function: the prefix of its siblings' deployed names (empty
 * when they are deployed under their plain names) and the gateway its nested calls go through.
 */
export function labFunctionEnv(functionPrefix: string, internalGatewayUrl: string): Record<string, string> {
  return { FB_FUNCTION_PREFIX: functionPrefix, FB_GATEWAY_URL: internalGatewayUrl };
}
