/**
 * How the agent reaches the functions: the provider config in its plan (`plan.target`), one
 * schema per platform (lib/platforms/<platform>/config.ts), discriminated on `platform`. The
 * control plane's provisioners make it (`agentTarget`); the agent validates it and builds its
 * provider from it (client-agent/providers/index.ts). Invalid configs are refused with a message
 * that names the offending fields and never echoes a value (API keys, function keys and
 * passwords live in these configs).
 */
import * as z from 'zod';
import { awsLambdaConfigSchema } from '../platforms/aws-lambda/config';
import { azureFunctionsConfigSchema } from '../platforms/azure-functions/config';
import { localConfigSchema } from '../platforms/local/config';
import type { PlatformName } from '../platforms/names';
import { openFaasConfigSchema } from '../platforms/openfaas/config';

export const providerConfigSchema = z.discriminatedUnion('platform', [localConfigSchema, openFaasConfigSchema, awsLambdaConfigSchema, azureFunctionsConfigSchema]);
export type ProviderConfig = z.infer<typeof providerConfigSchema>;

/** Every platform has a provider config, and every provider config is a platform (lib/platforms/names.ts): checked by the compiler. */
type SamePlatforms = [ProviderConfig['platform']] extends [PlatformName] ? ([PlatformName] extends [ProviderConfig['platform']] ? true : never) : never;
const providerConfigCoversPlatforms: SamePlatforms = true;
void providerConfigCoversPlatforms;
