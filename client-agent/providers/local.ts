/**
 * The provider for the embedded local platform (`fb platform start`, `local/`). Its gateway
 * speaks the OpenFaaS API, so this is the OpenFaaS provider under the platform name `local`:
 * `POST <gateway>/function/<deployed name>`, answers classified as in `openfaas.ts` (the local
 * gateway answers its errors as JSON `{error:{type,message}}`: 429 `TooManyRequestsError`,
 * 404 `FunctionNotFoundError`, 502 `InstanceStartError`/`UpstreamError`,
 * 503 `FunctionUnavailableError`).
 */
import type * as z from 'zod';
import { GatewayProvider, gatewaySchema } from './openfaas';
import { parseConfig } from './shared';

export const localConfigSchema = gatewaySchema('local');
export type LocalConfig = z.infer<typeof localConfigSchema>;

/** Validate a `local` config (throws a `ProviderConfigError` naming the field) and build its provider. */
export function createLocalProvider(config: unknown): GatewayProvider {
  return new GatewayProvider(parseConfig(localConfigSchema, config, 'local provider config'));
}
