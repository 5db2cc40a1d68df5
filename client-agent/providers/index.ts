/**
 * The agent's one way to build a provider: `createProvider(config)` validates `config` against
 * the discriminated union of the platforms' provider configs (lib/agent/provider-config.ts) and
 * returns that platform's provider (lib/platforms/<platform>/provider.ts). Invalid configs throw
 * `ProviderConfigError`, whose message names the offending fields and never echoes a value.
 */
import { type ProviderConfig, providerConfigSchema } from '../../lib/agent/provider-config';
import { AwsLambdaProvider } from '../../lib/platforms/aws-lambda/provider';
import { AzureFunctionsProvider } from '../../lib/platforms/azure-functions/provider';
import { GatewayProvider } from '../../lib/platforms/openfaas/provider';
import type { Provider } from '../../lib/platforms/platform';
import { parseConfig } from '../../lib/platforms/provider-fields';

export function createProvider(config: unknown): Provider {
  const valid: ProviderConfig = parseConfig(providerConfigSchema, config, 'provider config');
  switch (valid.platform) {
    case 'local':
    case 'openfaas':
      return new GatewayProvider(valid);
    case 'aws-lambda':
      return new AwsLambdaProvider(valid);
    case 'azure-functions':
      return new AzureFunctionsProvider(valid);
  }
}

export { ProviderConfigError, UnknownFunctionError } from '../../lib/platforms/provider-fields';
export type { Provider } from '../../lib/platforms/platform';
