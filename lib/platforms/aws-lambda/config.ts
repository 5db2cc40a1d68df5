/**
 * The `aws-lambda` provider config: the lab stack's REST API (`invokeUrl`, with its stage), the
 * API key the agent sends as `x-api-key`, and how logical function names map to deployed ones.
 * Part of the agent's plan (lib/agent/provider-config.ts); made by the provisioner's agentTarget.
 */
import * as z from 'zod';
import { functionNamesField, functionPrefixField, secretField, urlField } from '../provider-fields';

export const awsLambdaConfigSchema = z.strictObject({
  platform: z.literal('aws-lambda'),
  invokeUrl: urlField({ path: true }),
  apiKey: secretField,
  functionNames: functionNamesField,
  functionPrefix: functionPrefixField,
});
export type AwsLambdaConfig = z.infer<typeof awsLambdaConfigSchema>;
