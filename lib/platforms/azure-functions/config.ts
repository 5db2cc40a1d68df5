/**
 * The `azure-functions` provider config: for each logical function name, its HTTP trigger's URL
 * (`https://<app>.azurewebsites.net/api/<fn>`) and function key (sent as `x-functions-key`, never
 * in the URL). Part of the agent's plan (lib/agent/provider-config.ts); made by the provisioner's
 * agentTarget.
 */
import * as z from 'zod';
import { secretField, urlField } from '../provider-fields';

export const azureFunctionsConfigSchema = z.strictObject({
  platform: z.literal('azure-functions'),
  functions: z
    .record(z.string().min(1), z.strictObject({ url: urlField({ path: true }), key: secretField }))
    .refine((functions) => Object.keys(functions).length > 0, 'must configure at least one function'),
});
export type AzureFunctionsConfig = z.infer<typeof azureFunctionsConfigSchema>;
