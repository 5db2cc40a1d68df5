/**
 * The per-stage deployment settings of the CDK app: which account and region a stage deploys to,
 * and the knobs of its stateful resources (Aurora capacity, backup and log retention, lifecycle of
 * raw result files).
 *
 * Every default is in {@link STAGE_DEFAULTS}, and nowhere else. `bin/app.ts` is the only reader of
 * the environment and of CDK context; it hands the raw values to {@link loadStageConfig}, which
 * validates them with zod and returns a typed {@link StageConfig} that is passed down as props.
 * Constructs and stacks never read `process.env` or context themselves.
 *
 * The placeholder account and region make `npx cdk synth` work offline, with no credentials and
 * no lookups; `cdk deploy` with the placeholder account fails before touching anything, because
 * it is not the account of the caller's credentials. This module creates no resources; the cost
 * knob that matters when idle is `auroraMinAcu` (0: the writer pauses and costs nothing for compute).
 */
import { z } from 'zod';

/** Account used when neither context `account` nor `CDK_DEFAULT_ACCOUNT` gives one (synth only). */
export const PLACEHOLDER_ACCOUNT = '123456789012';
/**
 * Region used when neither context `region` nor `CDK_DEFAULT_REGION` gives one. The CDK CLI always
 * sets `CDK_DEFAULT_REGION` (to us-east-1 when no AWS config names a region), so under `cdk synth`
 * this applies only when that variable is empty; pass `-c region=…` to choose the stage's region.
 */
export const PLACEHOLDER_REGION = 'eu-west-1';

/**
 * The log retention periods (days) a stage may choose: those CloudWatch Logs accepts that are at
 * least a year, as Control Tower's CT.CLOUDWATCH.PR.2 (a synth gate, lib/stacks/policy-gates.ts) requires.
 */
export const LOG_RETENTION_DAYS = [365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

/**
 * Who provides the CloudWatch Logs role API Gateway's account settings must name before a REST API
 * stage may log (the per-run AWS Lambda lab stacks log their stage's errors): `create`, the
 * control-plane stack creates one and sets it (lib/constructs/api-gateway-cloudwatch-role.ts);
 * `existing`, the account and region already name one (Control Tower accounts often do), which is
 * left as it is.
 */
export const API_GATEWAY_CLOUDWATCH_ROLE_MODES = ['create', 'existing'] as const;
export type ApiGatewayCloudWatchRoleMode = (typeof API_GATEWAY_CLOUDWATCH_ROLE_MODES)[number];

/** The defaults of every stage setting, in one place. */
export const STAGE_DEFAULTS = {
  account: PLACEHOLDER_ACCOUNT,
  region: PLACEHOLDER_REGION,
  stageName: 'dev',
  /** Empty: the region's first two zones, picked by CloudFormation at deploy time (no lookup, no hard-coded name). */
  availabilityZones: [] as string[],
  /** 0 ACU lets the Aurora writer pause when idle (Aurora PostgreSQL 16.3+ / 17); 0.5 otherwise. */
  auroraMinAcu: 0,
  auroraMaxAcu: 4,
  /** Minutes without a connection before a 0-ACU writer pauses (Aurora allows 5 min – 24 h). */
  auroraAutoPauseMinutes: 5,
  backupRetentionDays: 7,
  /** A year: Control Tower's CT.CLOUDWATCH.PR.2 asks for at least that (the control-plane logs are small). */
  logRetentionDays: 365,
  /** Retention of the client agents' log group (`/faas-benchmarker/<stage>/agent`, SSM Run Command output). */
  agentLogRetentionDays: 365,
  /** Raw result files move to S3 Standard-IA after this many days (S3 requires at least 30). */
  rawResultsInfrequentAccessAfterDays: 30,
  /** Raw result files are deleted after this many days; the database keeps the imported rows. */
  rawResultsExpireAfterDays: 365,
  /** Server access logs and VPC flow logs are deleted after this many days. */
  accessLogsExpireAfterDays: 90,
  /**
   * The Azure subscription runs use (per-run resource groups: Azure Functions apps, client VMs).
   * Empty: no Azure, and so no cloud platform (each needs a client on the opposite cloud).
   */
  azureSubscriptionId: '',
  /** Azure region of the per-run resource groups. */
  azureLocation: 'westeurope',
  /** Secrets Manager secret (made by the operator) with the service principal's `{ tenantId, clientId, clientSecret }`. */
  azureCredentialsSecretName: 'faas-benchmarker/azure',
  /** An OpenFaaS gateway to deploy per-run functions to. Empty: no OpenFaaS platform. */
  openfaasGatewayUrl: '',
  /**
   * Whether the control plane creates API Gateway's account-wide CloudWatch Logs role
   * ({@link API_GATEWAY_CLOUDWATCH_ROLE_MODES}); only made with a cloud platform (Azure configured).
   */
  apiGatewayCloudWatchRole: 'create' as ApiGatewayCloudWatchRoleMode,
} as const;

const wholeNumber = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
/** ACU values come in half steps. */
const acu = z.coerce
  .number()
  .min(0)
  .max(256)
  .refine((value) => Number.isInteger(value * 2), 'must be a multiple of 0.5');

/** A stage's name: part of every stack name (`FaasBenchmarker-<stage>-…`) and of resource names. */
export const stageNameSchema = z
  .string()
  .max(20)
  .regex(/^[a-z](?:-?[a-z0-9])*$/, 'must be lower-case letters and digits, single dashes between them, starting with a letter');

/** The schema of a stage: strings or numbers in (CLI context values are strings), typed values out. */
export const stageConfigSchema = z
  .object({
    account: z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id'),
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region name such as eu-west-1'),
    stageName: stageNameSchema,
    availabilityZones: z.preprocess(
      (value) => (typeof value === 'string' ? value.split(',').map((zone) => zone.trim()).filter(Boolean) : value),
      z.array(z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d[a-z]$/, 'must be an availability zone name such as eu-west-1a')),
    ),
    auroraMinAcu: acu,
    auroraMaxAcu: acu.refine((value) => value >= 1, 'must be at least 1 ACU'),
    auroraAutoPauseMinutes: wholeNumber(5, 24 * 60),
    backupRetentionDays: wholeNumber(1, 35),
    logRetentionDays: z.coerce
      .number()
      .refine((value) => (LOG_RETENTION_DAYS as readonly number[]).includes(value), {
        message: `must be one of ${LOG_RETENTION_DAYS.join(', ')}`,
      }),
    agentLogRetentionDays: z.coerce
      .number()
      .refine((value) => (LOG_RETENTION_DAYS as readonly number[]).includes(value), {
        message: `must be one of ${LOG_RETENTION_DAYS.join(', ')}`,
      }),
    rawResultsInfrequentAccessAfterDays: wholeNumber(30, 36_500),
    rawResultsExpireAfterDays: wholeNumber(31, 36_500),
    accessLogsExpireAfterDays: wholeNumber(1, 36_500),
    azureSubscriptionId: z.union([z.literal(''), z.string().uuid('must be an Azure subscription id (a GUID)')]),
    azureLocation: z.string().regex(/^[a-z][a-z0-9]{2,30}$/, 'must be an Azure region name such as westeurope'),
    azureCredentialsSecretName: z.string().regex(/^[A-Za-z0-9/_+=.@-]{1,512}$/, 'must be a Secrets Manager secret name'),
    openfaasGatewayUrl: z.union([z.literal(''), z.string().url('must be the gateway URL, e.g. https://gateway.example.org')]),
    apiGatewayCloudWatchRole: z.enum(API_GATEWAY_CLOUDWATCH_ROLE_MODES, {
      message: "must be 'create' (the control plane sets API Gateway's CloudWatch Logs role) or 'existing' (the account already has one)",
    }),
  })
  .strict()
  .refine((config) => config.auroraMaxAcu > config.auroraMinAcu, {
    message: 'must be greater than auroraMinAcu',
    path: ['auroraMaxAcu'],
  })
  .refine((config) => config.rawResultsExpireAfterDays > config.rawResultsInfrequentAccessAfterDays, {
    message: 'must be greater than rawResultsInfrequentAccessAfterDays',
    path: ['rawResultsExpireAfterDays'],
  })
  .refine((config) => config.availabilityZones.every((zone) => zone.startsWith(config.region)), {
    message: 'every zone must be in the stage region',
    path: ['availabilityZones'],
  })
  .refine((config) => config.availabilityZones.length === 0 || config.availabilityZones.length >= 2, {
    message: 'Aurora needs subnets in at least two zones',
    path: ['availabilityZones'],
  });

/** A validated stage, every default applied. */
export type StageConfig = z.output<typeof stageConfigSchema>;

/** What `bin/app.ts` may set; anything missing or `undefined` takes its {@link STAGE_DEFAULTS} value. */
export type StageConfigInput = { [K in keyof StageConfig]?: unknown };

/** The names of the settings, which are also the CDK context keys that override them. */
export const STAGE_CONFIG_KEYS = Object.keys(STAGE_DEFAULTS) as (keyof StageConfig)[];

/** The stage settings are invalid; the message names every offending setting. */
export class StageConfigError extends Error {
  override name = 'StageConfigError';
}

/**
 * Validate a stage, filling in defaults. Throws {@link StageConfigError} naming each bad setting.
 *
 * @example
 * loadStageConfig({ account: process.env.CDK_DEFAULT_ACCOUNT, auroraMaxAcu: '8' });
 */
export function loadStageConfig(input: StageConfigInput = {}): StageConfig {
  const unknownKeys = Object.keys(input).filter((key) => !(STAGE_CONFIG_KEYS as string[]).includes(key));
  if (unknownKeys.length > 0) {
    throw new StageConfigError(`unknown stage setting(s): ${unknownKeys.join(', ')}`);
  }
  const merged: Record<string, unknown> = { ...STAGE_DEFAULTS };
  for (const [key, value] of Object.entries(input)) {
    if (value !== undefined && value !== null && value !== '') merged[key] = value;
  }
  const result = stageConfigSchema.safeParse(merged);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.map(String).join('.') || '(stage)'}: ${issue.message}`);
    throw new StageConfigError(`invalid stage config: ${problems.join('; ')}`);
  }
  return result.data;
}
