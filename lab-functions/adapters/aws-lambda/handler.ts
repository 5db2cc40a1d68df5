/**
 * AWS Lambda adapter for the lab functions.
 *
 * Event shapes accepted (one handler serves both):
 * - **API Gateway HTTP API, payload format 2.0** (also what a Lambda Function URL sends): an event
 *   with `version: '2.0'` and `requestContext.http`. The lab input is the JSON in `body`, which may
 *   be base64 (`isBase64Encoded`). An empty body is an empty input.
 * - **API Gateway REST API proxy, payload format 1.0** (the per-run lab stack's API, which needs an
 *   API key): an event with `resource`, `httpMethod` and `requestContext`; the body as above.
 * - **Direct invocation** (`aws lambda invoke`, the SDK's Invoke, and nested calls from another lab
 *   function): the event *is* the lab input object.
 *
 * Both are answered with the same envelope, `{ statusCode, headers: {'content-type':
 * 'application/json'}, body: <JSON string> }`. API Gateway turns it into the HTTP response; a direct
 * caller (a parent lab function, the control plane) parses one shape whichever way it called, and
 * sees the lab status (200, 400, 500) even though Lambda itself reports `StatusCode: 200`.
 * Bad JSON or an invalid field → 400 `{ error: { type: 'InvalidInputError', message } }`.
 *
 * Identity and memory: `platform` is `aws-lambda`; `platform_instance_id` is the context's
 * `logStreamName`, which is unique per execution environment; `memory_mb` is the context's
 * `memoryLimitInMB` (the configured memory); `region` is `AWS_REGION`.
 *
 * Nested calls: a synchronous Lambda Invoke (`InvocationType: 'RequestResponse'`) of the callee's
 * deployed name, with the payload as a direct-invocation event, through one `LambdaClient` per
 * handler (kept across invocations, keep-alive). The client is created with `maxAttempts: 1`, so a
 * throttle is recorded as what it is instead of being hidden (and timed) inside SDK retries. What
 * the invoker resolves with:
 * - the callee's envelope → its `statusCode` and parsed `body` (records, or a 400/500 answer);
 * - an unhandled error in the callee (`FunctionError` set) → 502 with `{ error: { type: <the
 *   payload's errorType, else FunctionError>, message } }`;
 * - an error answered by the Lambda service → 429 for `TooManyRequestsException`, 404 for
 *   `ResourceNotFoundException`, 502 for any other, with `{ error: { type: err.name, message } }`.
 * The core keeps that `type` in the nested error record, so a throttle stays a
 * `TooManyRequestsException` there.
 * It rejects only when no answer came (network failure, timeout); the core records that too.
 *
 * Configuration (read once, when the handler is created, i.e. at module init):
 * - `AWS_REGION` — set by Lambda; the region of records and of the Lambda client.
 * - `FB_FUNCTION_NAMES` — optional JSON object, logical name → deployed function name.
 * - `FB_FUNCTION_PREFIX` — optional prefix of deployed names (`fb-3f2a-` → `fb-3f2a-function2`).
 * - `POWERTOOLS_*` / `AWS_LAMBDA_LOG_LEVEL` — read by the default powertools logger.
 *
 * Logging: one structured line per invocation (function, trigger, status, identifier) through the
 * powertools logger, with the Lambda context injected by its middy middleware. Events, payloads and
 * responses are never logged.
 */
import { InvokeCommand, LambdaClient, type InvokeCommandOutput } from '@aws-sdk/client-lambda';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { LabFunctionDefinition } from '../../core/definition';
import { InvalidInputError, toErrorInfo } from '../../core/errors';
import type { LabInput } from '../../core/input';
import type { NestedInvoker, NestedResponse } from '../../core/nested';
import type { LabResponse } from '../../core/records';
import { createLabFunction } from '../../core/run';
import { parseAnswer, parseJsonBody } from '../shared/body';
import { deployedFunctionName, functionNameConfigFromEnv } from '../shared/function-names';
import { responseLogFields } from '../shared/log-fields';
import { memoryMbFromEnv } from '../shared/memory';

/** The parts of an API Gateway HTTP API (payload format 2.0) event this adapter reads. */
export interface ApiGatewayV2Event {
  version: '2.0';
  routeKey: string;
  rawPath: string;
  rawQueryString: string;
  headers?: Record<string, string | undefined>;
  requestContext: {
    http: { method: string; path: string; protocol?: string; sourceIp?: string; userAgent?: string };
    requestId?: string;
    [key: string]: unknown;
  };
  body?: string;
  isBase64Encoded: boolean;
  [key: string]: unknown;
}

/** The Lambda context object (the subset of `aws-lambda`'s `Context` this adapter relies on). */
export interface LambdaContextLike {
  functionName: string;
  functionVersion: string;
  invokedFunctionArn: string;
  memoryLimitInMB: string;
  awsRequestId: string;
  logGroupName: string;
  logStreamName: string;
  getRemainingTimeInMillis(): number;
  callbackWaitsForEmptyEventLoop: boolean;
}

/** What the handler answers to both event shapes. */
export interface LambdaResponseEnvelope {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

export interface LambdaHandlerOptions {
  /** Client for nested Invoke calls. @default a new `LambdaClient` for `AWS_REGION`, `maxAttempts: 1` */
  lambdaClient?: LambdaClient;
  /** The environment to read configuration from. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** @default a powertools Logger with service name `faas-benchmarker-lab` (overridable by POWERTOOLS_SERVICE_NAME) */
  logger?: Logger;
}

const JSON_HEADERS = { 'content-type': 'application/json' } as const;

/**
 * Build the Lambda handler of a lab function. Call once at module init (the generated entry does
 * `export const handler = createLambdaHandler(function1)`): the instance identity and the Lambda
 * client live as long as the execution environment.
 */
export function createLambdaHandler(definition: LabFunctionDefinition, options: LambdaHandlerOptions = {}) {
  const env = options.env ?? process.env;
  const region = env.AWS_REGION ?? 'unknown';
  const nameConfig = functionNameConfigFromEnv(env);
  const logger = options.logger ?? new Logger({ serviceName: 'faas-benchmarker-lab' });
  const lambdaClient = options.lambdaClient ?? new LambdaClient({ ...(env.AWS_REGION ? { region: env.AWS_REGION } : {}), maxAttempts: 1 });
  const labFunction = createLabFunction(definition);
  let fallbackMemoryMb: number | undefined;
  /** The configured memory from the context; the environment's only where the context has none (local runs). */
  const memoryOf = (context: LambdaContextLike): number => {
    const configured = Number(context.memoryLimitInMB);
    if (Number.isFinite(configured) && configured > 0) return configured;
    if (fallbackMemoryMb === undefined) fallbackMemoryMb = memoryMbFromEnv(env);
    return fallbackMemoryMb;
  };

  const invokeNested: NestedInvoker = (functionName, payload) =>
    invokeLambda(lambdaClient, deployedFunctionName(nameConfig, functionName), payload);

  const handler = async (event: unknown, context: LambdaContextLike): Promise<LambdaResponseEnvelope> => {
    const http = isApiGatewayV2Event(event) || isApiGatewayRestEvent(event);
    const trigger = http ? 'http' : 'direct';
    let response: LabResponse;
    try {
      const body = http ? parseJsonBody(decodeBody(event)) : event;
      const memoryMb = memoryOf(context);
      response = await labFunction.handle(body, {
        platform: 'aws-lambda',
        region,
        memoryMb,
        platformInstanceId: context.logStreamName || undefined,
        invokeNested,
      });
    } catch (error) {
      if (error instanceof InvalidInputError) {
        response = { statusCode: 400, body: { error: toErrorInfo(error) } };
      } else {
        // Not reachable through createLabFunction (it records a function's own failures); kept so
        // that a bug still answers with the lab's error shape instead of Lambda's.
        logger.error('lab invocation failed', { function: definition.name, trigger, error: toErrorInfo(error) });
        response = { statusCode: 500, body: { error: toErrorInfo(error) } };
      }
    }
    logger.info('lab invocation', { function: definition.name, trigger, status: response.statusCode, ...responseLogFields(response) });
    return { statusCode: response.statusCode, headers: { ...JSON_HEADERS }, body: JSON.stringify(response.body) };
  };

  return middy<unknown, LambdaResponseEnvelope>(handler).use(injectLambdaContext(logger));
}

/** Whether an event is an API Gateway HTTP API / Function URL event (payload format 2.0). */
export function isApiGatewayV2Event(event: unknown): event is ApiGatewayV2Event {
  if (typeof event !== 'object' || event === null) return false;
  const candidate = event as { version?: unknown; requestContext?: { http?: unknown } };
  return candidate.version === '2.0' && typeof candidate.requestContext?.http === 'object' && candidate.requestContext.http !== null;
}

/**
 * Whether an event is an API Gateway REST API proxy event (payload format 1.0) — what the per-run
 * lab stack's REST API (with its API key) sends.
 */
export function isApiGatewayRestEvent(event: unknown): event is ApiGatewayRestEvent {
  if (typeof event !== 'object' || event === null) return false;
  const candidate = event as { httpMethod?: unknown; requestContext?: unknown; resource?: unknown };
  return typeof candidate.httpMethod === 'string' && typeof candidate.resource === 'string' && typeof candidate.requestContext === 'object' && candidate.requestContext !== null;
}

/** The parts of an API Gateway REST API proxy event (payload format 1.0) this adapter reads. */
export interface ApiGatewayRestEvent {
  resource: string;
  httpMethod: string;
  requestContext: Record<string, unknown>;
  body?: string | null;
  isBase64Encoded?: boolean;
  [key: string]: unknown;
}

function decodeBody(event: ApiGatewayV2Event | ApiGatewayRestEvent): string | undefined {
  if (event.body === undefined || event.body === null) return undefined;
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

/** One synchronous Invoke, resolved with the callee's status and body (see the file comment). */
async function invokeLambda(client: LambdaClient, functionName: string, payload: LabInput): Promise<NestedResponse> {
  let output: InvokeCommandOutput;
  try {
    output = await client.send(
      new InvokeCommand({ FunctionName: functionName, InvocationType: 'RequestResponse', Payload: JSON.stringify(payload) }),
    );
  } catch (error) {
    const status = serviceErrorStatus(error);
    if (status === undefined) throw error; // no answer at all: the core records the failure
    const info = toErrorInfo(error);
    return { statusCode: status, body: { error: info } };
  }
  const text = output.Payload ? Buffer.from(output.Payload).toString('utf8') : '';
  const answer = parseAnswer(text);
  if (output.FunctionError) {
    const failure = (typeof answer === 'object' && answer !== null ? answer : {}) as { errorType?: unknown; errorMessage?: unknown };
    const type = typeof failure.errorType === 'string' && failure.errorType ? failure.errorType : output.FunctionError;
    const message =
      typeof failure.errorMessage === 'string' ? failure.errorMessage : typeof answer === 'string' ? answer : `${functionName} failed (${output.FunctionError})`;
    return { statusCode: 502, body: { error: { type, message: toErrorInfo(new Error(message)).message } } };
  }
  return unwrapEnvelope(answer, output.StatusCode ?? 200);
}

/** A lab function's envelope → its status and parsed body; anything else is passed on as is. */
function unwrapEnvelope(answer: unknown, lambdaStatus: number): NestedResponse {
  if (typeof answer === 'object' && answer !== null && typeof (answer as { statusCode?: unknown }).statusCode === 'number') {
    const envelope = answer as { statusCode: number; body?: unknown };
    const body = typeof envelope.body === 'string' ? parseAnswer(envelope.body) : envelope.body;
    return { statusCode: envelope.statusCode, body };
  }
  return { statusCode: lambdaStatus, body: answer };
}

/**
 * The status to report for an error the Lambda service answered with, or undefined when the error
 * carries no service answer (network failure, timeout, abort).
 */
function serviceErrorStatus(error: unknown): number | undefined {
  if (!(error instanceof Error)) return undefined;
  if (error.name === 'TooManyRequestsException') return 429;
  if (error.name === 'ResourceNotFoundException') return 404;
  const metadata = (error as { $metadata?: { httpStatusCode?: unknown } }).$metadata;
  const fault = (error as { $fault?: unknown }).$fault;
  if (typeof metadata?.httpStatusCode === 'number' || fault === 'client' || fault === 'server') return 502;
  return undefined;
}
