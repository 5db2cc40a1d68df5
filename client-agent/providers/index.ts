/**
 * The one way to build a provider: `createProvider(config)` validates `config` against the
 * discriminated union {@link providerConfigSchema} (on `platform`) and returns the provider.
 * Invalid configs throw `ProviderConfigError`, whose message names the offending fields and
 * never echoes a value (API keys, function keys and passwords live in these configs).
 */
import * as z from 'zod';
import { AwsLambdaProvider, awsLambdaConfigSchema } from './aws-lambda';
import { AzureFunctionsProvider, azureFunctionsConfigSchema } from './azure-functions';
import { localConfigSchema } from './local';
import { GatewayProvider, openFaasConfigSchema } from './openfaas';
import { parseConfig } from './shared';
import type { Provider } from './types';

export const providerConfigSchema = z.discriminatedUnion('platform', [localConfigSchema, openFaasConfigSchema, awsLambdaConfigSchema, azureFunctionsConfigSchema]);
export type ProviderConfig = z.infer<typeof providerConfigSchema>;

export const PROVIDER_PLATFORMS = ['local', 'openfaas', 'aws-lambda', 'azure-functions'] as const;

export function createProvider(config: unknown): Provider {
  const valid = parseConfig(providerConfigSchema, config, 'provider config');
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

export { AwsLambdaProvider } from './aws-lambda';
export { AzureFunctionsProvider } from './azure-functions';
export { GatewayProvider } from './openfaas';
export { ProviderConfigError, UnknownFunctionError } from './shared';
export type { Classified, Provider, ProviderRequest } from './types';
