import { join } from 'node:path';
import type { OpenFaasProvisionerOptions } from '../../lib/platforms/openfaas/provisioner';
import { findGatewayCredentials } from '../../local/platform/credentials-file';

export class GatewayNotGivenError extends Error {
  override name = 'GatewayNotGivenError';
}

/**
 * The OpenFaaS gateway a run deploys to: `--gateway-url` or FB_GATEWAY_URL, basic auth from
 * FB_GATEWAY_USER/PASSWORD, else the credential a local platform started from `cwd` left there.
 * The lab functions' images are `<FB_OPENFAAS_IMAGE_PREFIX><function>:<FB_OPENFAAS_IMAGE_TAG>`
 * (default `faas-benchmarker/<function>:latest`, what the local platform resolves), e.g. prefix
 * `registry.example.org/team/faas-benchmarker-` for images pushed as `stack.yml` names them.
 */
export function openFaasGateway(gatewayUrlOption: string | undefined, env: NodeJS.ProcessEnv, cwd: string): OpenFaasProvisionerOptions {
  const gatewayUrl = gatewayUrlOption ?? env.FB_GATEWAY_URL;
  if (!gatewayUrl) throw new GatewayNotGivenError('--platform openfaas needs --gateway-url or FB_GATEWAY_URL');
  const user = env.FB_GATEWAY_USER;
  const password = env.FB_GATEWAY_PASSWORD;
  const basicAuth = user && password ? { user, password } : findGatewayCredentials(join(cwd, '.fb'), gatewayUrl);
  const imagePrefix = env.FB_OPENFAAS_IMAGE_PREFIX;
  const imageTag = env.FB_OPENFAAS_IMAGE_TAG;
  return { gatewayUrl, ...(basicAuth ? { basicAuth } : {}), ...(imagePrefix ? { imagePrefix } : {}), ...(imageTag ? { imageTag } : {}) };
}
