/**
 * The RunExperiment input as a published contract: a JSON Schema (draft 2020-12) generated from
 * the zod schemas that check it, written to state-machines/run-input.schema.json by
 * `npm run schema` (bin/write-run-input-schema.ts) and kept equal to it by a test.
 *
 * The contract is `runInputSchema` with two fields made precise where the runtime defers its
 * checks on purpose: `platforms` names only known platforms, once each (ValidateInput refuses
 * others with a message listing the known ones), and `platformOptions` names only the settings
 * some platform reads, each with its type, range and default (ValidateInput checks the client
 * sizes and the cloud functions' limits, ./function-limits.ts; each platform checks its own
 * settings again when it provisions).
 */
import { z } from 'zod';
import { DEFAULT_CLIENT_INSTANCE_TYPE } from '../platforms/aws/ec2-client-machine';
import { DEFAULT_LAMBDA_MEMORY_MB, DEFAULT_LAMBDA_TIMEOUT_SECONDS, LAMBDA_MEMORY_MB, LAMBDA_TIMEOUT_SECONDS } from '../platforms/aws-lambda/lab-template';
import { DEFAULT_CLIENT_VM_SIZE } from '../platforms/azure/vm-client-machine';
import {
  AZURE_FUNCTIONS_PLANS,
  CONSUMPTION_MEMORY_MB,
  DEFAULT_AZURE_FUNCTIONS_PLAN,
  DEFAULT_AZURE_TIMEOUT_SECONDS,
  FLEX_DEFAULT_MEMORY_MB,
  FLEX_MEMORY_MB,
} from '../platforms/azure-functions/lab-template';
import { CLIENT_SIZE_OPTIONS, clientSizeOptionsSchema } from '../platforms/client/machine-size';
import { localPlatformSettingsSchema, PLATFORM_PROCESS_SETTINGS } from '../platforms/local/settings-schema';
import { PLATFORMS } from '../platforms/names';
import { CLOUD_FUNCTION_LIMITS, LONGEST_CLOUD_TIMEOUT_SECONDS, longestAnswerOf } from './function-limits';
import { runInputSchema } from './run-input';

/** The schema's `$id`: a name, not a download address (the file is in the repository). */
export const RUN_INPUT_SCHEMA_ID = 'urn:faas-benchmarker:run-input';
/** Where the generated schema is checked in, relative to the repository root. */
export const RUN_INPUT_SCHEMA_PATH = 'state-machines/run-input.schema.json';

/**
 * A local setting as a run's input carries it: optional, its description prefixed with the platform
 * it applies to, and its default shown but not applied (a quick run takes its profile's instead).
 */
function asRunSetting(key: string, schema: z.ZodType): z.ZodType {
  const description = `local: ${schema.description ?? key}`;
  if (schema instanceof z.ZodDefault) {
    return (schema.unwrap() as z.ZodType).optional().meta({ description, default: schema.def.defaultValue });
  }
  return schema.optional().describe(description);
}

const localRunSettings = localPlatformSettingsSchema.omit(
  Object.fromEntries(PLATFORM_PROCESS_SETTINGS.map((key) => [key, true])) as { [key in (typeof PLATFORM_PROCESS_SETTINGS)[number]]: true },
).shape;
const localSettings = Object.fromEntries(Object.entries(localRunSettings).map(([key, schema]) => [key, asRunSetting(key, schema)])) as {
  [key in keyof typeof localRunSettings]: z.ZodOptional<z.ZodType<z.input<(typeof localRunSettings)[key]>>>;
};

const cloudFunctionSettings = {
  memoryMb: z
    .number()
    .int()
    .min(LAMBDA_MEMORY_MB.min)
    .max(LAMBDA_MEMORY_MB.max)
    .optional()
    .describe(
      `aws-lambda: memory of each lab function, in MB (AWS Lambda's range; a new account may be capped lower). Default: the deployment's (${DEFAULT_LAMBDA_MEMORY_MB} unless configured). azure-functions on the Flex Consumption plan: instance memory, one of ${FLEX_MEMORY_MB.join(', ')} (default ${FLEX_DEFAULT_MEMORY_MB}); on the Consumption plan refused: an instance has a fixed ${CONSUMPTION_MEMORY_MB} MB. ValidateInput refuses a value the platform does not offer with FunctionMemoryLimitError.`,
    ),
  azureFunctionsPlan: z
    .enum(AZURE_FUNCTIONS_PLANS)
    .optional()
    .describe(
      `azure-functions: hosting plan of the lab's function apps: flex-consumption (Flex Consumption, FC1) or consumption (Linux Consumption, Y1). Default: ${DEFAULT_AZURE_FUNCTIONS_PLAN}.`,
    ),
  timeoutSeconds: z
    .number()
    .int()
    .min(LAMBDA_TIMEOUT_SECONDS.min)
    .max(LONGEST_CLOUD_TIMEOUT_SECONDS)
    .optional()
    .describe(
      `aws-lambda, azure-functions: timeout of each lab function, in s, no longer than the HTTP front in front of the functions waits: aws-lambda at most ${longestAnswerOf(CLOUD_FUNCTION_LIMITS['aws-lambda']).value} (API Gateway's REST integration timeout), azure-functions at most ${longestAnswerOf(CLOUD_FUNCTION_LIMITS['azure-functions']).value} (an HTTP trigger's longest answer); ValidateInput refuses more with FunctionTimeoutLimitError, and refuses an experiment whose calls take longer than the timeout. Default: the deployment's (aws-lambda ${DEFAULT_LAMBDA_TIMEOUT_SECONDS}, azure-functions ${DEFAULT_AZURE_TIMEOUT_SECONDS} unless configured).`,
    ),
};

const clientSizes = clientSizeOptionsSchema.shape;
const clientSizeSettings = {
  [CLIENT_SIZE_OPTIONS.ec2InstanceType]: clientSizes[CLIENT_SIZE_OPTIONS.ec2InstanceType].describe(
    `azure-functions: EC2 instance type of the client machine (the client runs in AWS), e.g. m5.xlarge. Default: the experiment's declared size, else the deployment's (${DEFAULT_CLIENT_INSTANCE_TYPE} unless configured). Refused with platform local.`,
  ),
  [CLIENT_SIZE_OPTIONS.azureVmSize]: clientSizes[CLIENT_SIZE_OPTIONS.azureVmSize].describe(
    `aws-lambda, openfaas: Azure VM size of the client machine (the client runs in Azure), e.g. Standard_D4_v3. Default: the experiment's declared size, else the deployment's (${DEFAULT_CLIENT_VM_SIZE} unless configured). Refused with platform local.`,
  ),
};

/** Every `platformOptions` key some platform reads, with its type, range and default. */
export const platformOptionsContract = z.strictObject({
  ...localSettings,
  ...cloudFunctionSettings,
  ...clientSizeSettings,
});

/** The execution input as published: `runInputSchema` with `platforms` and `platformOptions` made precise. */
export const runInputContract = runInputSchema
  .extend({
    platforms: z
      .array(z.enum(PLATFORMS))
      .min(1)
      .meta({ uniqueItems: true, description: runInputSchema.shape.platforms.description }),
    platformOptions: platformOptionsContract.default({}).describe(
      `${runInputSchema.shape.platformOptions.description} A local setting left out takes the quick profile's value when quick, else its default.`,
    ),
  })
  .describe(runInputSchema.description ?? 'RunExperiment input');

/** The JSON Schema (draft 2020-12) of the execution input. */
export function runInputJsonSchema(): Record<string, unknown> {
  const { $schema, ...schema } = z.toJSONSchema(runInputContract, { target: 'draft-2020-12', io: 'input' });
  return { $schema, $id: RUN_INPUT_SCHEMA_ID, title: 'RunExperiment execution input', ...schema };
}

/** The schema file's exact text: two-space JSON and a final newline. */
export function runInputJsonSchemaText(): string {
  return `${JSON.stringify(runInputJsonSchema(), null, 2)}\n`;
}
