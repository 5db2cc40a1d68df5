import { join } from 'node:path';
import type { OpenFaasProvisionerOptions } from '../../lib/platforms/openfaas/provisioner';
import { findGatewayCredentials } from '../../local/platform/credentials-file';

export class GatewayNotGivenError extends Error {
  override name = 'GatewayNotGivenError';
}

/**
 * The OpenFaaS gateway a run deploys to: `--gateway-url` or FB_GATEWAY_URL, basic auth from
 * FB_GATEWAY_USER/PASSWORD, else the credential a local platform started from `cwd` left there.
 */
export function openFaasGateway(gatewayUrlOption: string | undefined, env: NodeJS.ProcessEnv, cwd: string): OpenFaasProvisionerOptions {
  const gatewayUrl = gatewayUrlOption ?? env.FB_GATEWAY_URL;
  if (!gatewayUrl) throw new GatewayNotGivenError('--platform openfaas needs --gateway-url or FB_GATEWAY_URL');
  const user = env.FB_GATEWAY_USER;
  const password = env.FB_GATEWAY_PASSWORD;
  const basicAuth = user && password ? { user, password } : findGatewayCredentials(join(cwd, '.fb'), gatewayUrl);
  return { gatewayUrl, ...(basicAuth ? { basicAuth } : {}) };
}
