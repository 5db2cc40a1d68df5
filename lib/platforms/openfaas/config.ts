/**
 * The `openfaas` provider config (and, through local/config.ts, the `local` one: the embedded
 * platform speaks the same gateway API): the gateway's origin, optional basic auth, and how
 * logical function names map to deployed ones (a per-run prefix, or a map). Part of the agent's
 * plan (lib/agent/provider-config.ts).
 */
import * as z from 'zod';
import { functionNamesField, functionPrefixField, secretField, urlField } from '../provider-fields';

export function gatewaySchema<P extends 'local' | 'openfaas'>(platform: P) {
  return z.strictObject({
    platform: z.literal(platform),
    gatewayUrl: urlField({ path: false }),
    basicAuth: z.strictObject({ user: z.string().min(1, 'must be a non-empty string'), password: secretField }).optional(),
    functionNames: functionNamesField,
    functionPrefix: functionPrefixField,
  });
}

export const openFaasConfigSchema = gatewaySchema('openfaas');
export type OpenFaasConfig = z.infer<typeof openFaasConfigSchema>;
export type GatewayConfig = OpenFaasConfig | (Omit<OpenFaasConfig, 'platform'> & { platform: 'local' });
