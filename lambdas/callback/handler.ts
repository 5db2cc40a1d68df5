/**
 * The callback Lambda: behind an API Gateway HTTP API route `POST /callback` (payload format
 * 2.0), it turns a client agent's report into SendTaskSuccess / SendTaskFailure /
 * SendTaskHeartbeat for the run's RunAgent task. The agent holds only its run's callback secret,
 * never AWS credentials or the task token. Request, answers and status codes are those of
 * lib/callback/handle-callback.ts; this file only adapts the event (zod-checked envelope,
 * base64 body, `authorization` header) and the response (`{statusCode, headers, body}`).
 *
 * `createCallbackHandler` takes everything injected (registry, completer, logger, clock) and reads
 * no environment. The exported `handler` is built once at module load from the environment, read
 * in {@link callbackConfigFromEnv} only:
 * - `STATE_MACHINE_REGION` — the region of the state machine (SendTask* calls); falls back to
 *   `AWS_REGION`, and module load fails naming the variable if neither is set.
 * - `RESULTS_BUCKET` (optional) — where agents upload results: `upload-url` calls get a fresh
 *   presigned PUT of `raw/<runId>.ndjson` there, valid for {@link UPLOAD_URL_SECONDS}.
 * - `FB_CLOUD_CONFIG` (optional; lib/config/cloud-config.ts) — the cloud platforms the deployment
 *   enables: `force-cold` calls of runs on AWS Lambda and Azure Functions are carried out by their
 *   cold forcers (./cold-forcers.ts), found by the run's platform in the `runs` table.
 * - `CALLBACK_SIGNING_KEY_SECRET_ARN` — the Secrets Manager secret holding the deployment's
 *   callback signing key (lib/callback/signing-key.ts), read on the first request and kept for the
 *   life of the container; every secret's HMAC tag is checked with it before any registry query.
 * - `POWERTOOLS_*` / `AWS_LAMBDA_LOG_LEVEL` — read by the powertools logger itself.
 *
 * The deployed `handler` keeps its registry in the results database (`callbacks`, through the
 * Data API: RESULTS_CLUSTER_ARN, RESULTS_SECRET_ARN, RESULTS_DATABASE), shared with StartAgent,
 * which registers each run's secret hash and task token.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { KeyObject } from 'node:crypto';
import { z } from 'zod';
import { CallbackConfigurationError, CallbackSigningKeyUnavailableError } from '../../lib/callback/errors';
import { type CallbackSigningKeySource, secretsManagerCallbackKey } from '../../lib/callback/signing-key';
import { SqlCallbackRegistry } from '../../lib/callback/sql-registry';
import { DataApiExecutor } from '../../lib/results/data-api-executor';
import { type CallbackHttpResponse, handleCallback, type HandleCallbackOptions } from '../../lib/callback/handle-callback';
import { CallbackThrottle, DEFAULT_CALLBACK_THROTTLE } from '../../lib/callback/throttle';
import type { CallbackRegistry } from '../../lib/callback/registry';
import { coldForcerByPlatform } from '../../lib/callback/run-cold-forcer';
import { SqlResultsStore } from '../../lib/results/sql-store';
import { cloudConfigFromEnvironment } from '../shared/cloud-config-environment';
import { cloudColdForcers } from './cold-forcers';
import { SfnTaskCompleter, type TaskCompleter } from '../../lib/callback/task-completer';
import { presignResultsUpload, rawResultsLocation } from '../../lib/control-plane/results-transfer';

/** The parts of an HTTP API (payload format 2.0) event the handler reads. */
const httpApiEventSchema = z.looseObject({
  version: z.literal('2.0'),
  headers: z.record(z.string(), z.string()).optional(),
  body: z.string().optional(),
  isBase64Encoded: z.boolean().optional(),
});
export type CallbackHttpApiEvent = z.infer<typeof httpApiEventSchema>;

/** What API Gateway turns into the HTTP response. */
export interface CallbackLambdaResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

export interface CallbackHandlerOptions {
  registry: CallbackRegistry;
  /** The deployment's callback signing key, fetched per request (the source keeps it once read). */
  signingKey: CallbackSigningKeySource;
  completer: TaskCompleter;
  /** @default a powertools Logger with service name `faas-benchmarker-callback` */
  logger?: Logger;
  /** The clock callback expiry is checked against. @default () => new Date() */
  now?: () => Date;
  /** A fresh upload URL for a run's results file. @default none: `upload-url` is refused */
  uploadUrlFor?: (runId: string) => Promise<string>;
  /** Make the next call of a run's function cold. @default none: `force-cold` is refused */
  forceCold?: HandleCallbackOptions['forceCold'];
}

/** How long a fresh upload URL is valid: the agent asks for one right before it uploads. */
export const UPLOAD_URL_SECONDS = 900;

/** Build the handler; call once per execution environment. */
export function createCallbackHandler(options: CallbackHandlerOptions) {
  const logger = options.logger ?? new Logger({ serviceName: 'faas-benchmarker-callback' });
  const handling: Omit<HandleCallbackOptions, 'signingKey'> = {
    registry: options.registry,
    completer: options.completer,
    logger,
    now: options.now ?? (() => new Date()),
    // Per execution environment; the API's stage throttle bounds the sum over environments.
    throttle: new CallbackThrottle(DEFAULT_CALLBACK_THROTTLE),
    ...(options.uploadUrlFor ? { uploadUrlFor: options.uploadUrlFor } : {}),
    ...(options.forceCold ? { forceCold: options.forceCold } : {}),
  };

  const callback = async (event: unknown): Promise<CallbackLambdaResponse> => {
    const parsed = httpApiEventSchema.safeParse(event);
    if (!parsed.success) {
      logger.warn('callback refused', { status: 400, errorType: 'CallbackRequestInvalidError', message: 'not an HTTP API 2.0 event' });
      return toLambdaResponse({ statusCode: 400, body: { error: { type: 'CallbackRequestInvalidError', message: 'not an HTTP API (payload 2.0) event' } } });
    }
    const { body, headers, isBase64Encoded } = parsed.data;
    const text = body !== undefined && isBase64Encoded ? Buffer.from(body, 'base64').toString('utf8') : body;
    let signingKey: KeyObject;
    try {
      signingKey = await options.signingKey();
    } catch (error) {
      const known = error instanceof CallbackSigningKeyUnavailableError ? error : new CallbackSigningKeyUnavailableError('the callback signing key is unavailable', { cause: error });
      logger.error('callback failed', { status: 503, errorType: known.name, message: known.message });
      return toLambdaResponse({ statusCode: 503, body: { error: { type: known.name, message: 'the callback signing key is unavailable; retry later' } } });
    }
    return toLambdaResponse(await handleCallback({ body: text, authorization: headers?.authorization }, { ...handling, signingKey }));
  };

  return middy<unknown, CallbackLambdaResponse>(callback).use(injectLambdaContext(logger));
}

function toLambdaResponse(response: CallbackHttpResponse): CallbackLambdaResponse {
  return { statusCode: response.statusCode, headers: { ...response.headers, 'content-type': 'application/json' }, body: JSON.stringify(response.body) };
}

/** Everything this Lambda takes from its environment, read and checked in one place. */
export function callbackConfigFromEnv(env: NodeJS.ProcessEnv): {
  stateMachineRegion: string;
  results: { resourceArn: string; secretArn: string; database: string };
  resultsBucket: string | undefined;
  signingKeySecretArn: string;
  cloud: ReturnType<typeof cloudConfigFromEnvironment>;
} {
  const stateMachineRegion = env.STATE_MACHINE_REGION || env.AWS_REGION;
  if (!stateMachineRegion) throw new CallbackConfigurationError('STATE_MACHINE_REGION');
  const required = (name: string): string => {
    const value = env[name];
    if (!value) throw new CallbackConfigurationError(name);
    return value;
  };
  return {
    stateMachineRegion,
    results: { resourceArn: required('RESULTS_CLUSTER_ARN'), secretArn: required('RESULTS_SECRET_ARN'), database: required('RESULTS_DATABASE') },
    resultsBucket: env.RESULTS_BUCKET || undefined,
    signingKeySecretArn: required('CALLBACK_SIGNING_KEY_SECRET_ARN'),
    cloud: cloudConfigFromEnvironment(env),
  };
}

const config = callbackConfigFromEnv(process.env);
/** The registry every control-plane Lambda shares: the `callbacks` table, through the Data API. */
const executor = new DataApiExecutor({ region: config.stateMachineRegion, ...config.results, resumeTimeoutMs: 20_000 });
const registry = new SqlCallbackRegistry(executor);
const runs = new SqlResultsStore(executor);
const forcers = cloudColdForcers(config.cloud, config.stateMachineRegion);
const s3 = new S3Client({ region: config.stateMachineRegion });
const { resultsBucket } = config;
export const handler = createCallbackHandler({
  registry,
  signingKey: secretsManagerCallbackKey(new SecretsManagerClient({ region: config.stateMachineRegion }), config.signingKeySecretArn),
  completer: new SfnTaskCompleter(new SFNClient({ region: config.stateMachineRegion })),
  ...(Object.keys(forcers).length ? { forceCold: coldForcerByPlatform({ platformOf: async (runId) => (await runs.getRun(runId))?.platform, forcers }) } : {}),
  ...(resultsBucket ? { uploadUrlFor: (runId: string) => presignResultsUpload(s3, rawResultsLocation(resultsBucket, runId), UPLOAD_URL_SECONDS) } : {}),
});
