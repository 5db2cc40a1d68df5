/**
 * The AWS Lambda provider: lab functions behind an API Gateway (REST API, Lambda proxy
 * integration, API key required): `POST <invokeUrl>/<deployed name>` with the key in `x-api-key`.
 * `invokeUrl` is `https://<api>.execute-api.<region>.amazonaws.com[/<stage>]` (or a custom
 * domain); `http://` only on loopback (tests).
 *
 * Answers, as API Gateway and the Lambda proxy give them:
 * - 200 with a record map → ok; 400/500 lab answers → error with the lab's type (the root
 *   record's error, or `{error:{type,message}}`), body kept when it has records;
 * - API Gateway's own `{"message": …}` answers, typed by their message in PascalCase:
 *   429 `Too Many Requests` (stage/usage-plan throttle) and `Limit Exceeded` (quota) → throttled;
 *   403 `Forbidden` (bad or missing key) → error `Forbidden`; 502 `Internal server error`
 *   (the Lambda failed or gave a malformed proxy answer) → error `InternalServerError`;
 *   503 `Service Unavailable` → error; 504 `Endpoint request timed out` (integration timeout,
 *   29 s by default) → timeout `EndpointRequestTimedOut`;
 * - anything else → `HttpError<status>` with the text (≤ 500 chars); any 504 is a timeout.
 */
import { classifyRecords, errorShape, fallbackAnswer, httpErrorType, parseJson, truncate } from '../classify-answer';
import type { Classified, Provider, ProviderRequest } from '../platform';
import { deployedName, splitUrl } from '../provider-fields';
import type { AwsLambdaConfig } from './config';

export class AwsLambdaProvider implements Provider {
  readonly platform = 'aws-lambda';
  readonly secrets: readonly string[];
  readonly #origin: string;
  readonly #basePath: string;
  readonly #config: AwsLambdaConfig;

  constructor(config: AwsLambdaConfig) {
    this.#config = config;
    const { origin, basePath } = splitUrl(config.invokeUrl);
    this.#origin = origin;
    this.#basePath = basePath;
    this.secrets = Object.freeze([config.apiKey]);
  }

  requestFor(functionName: string): ProviderRequest {
    const name = deployedName(functionName, this.#config.functionNames, this.#config.functionPrefix);
    return {
      origin: this.#origin,
      path: `${this.#basePath}/${encodeURIComponent(name)}`,
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': this.#config.apiKey },
    };
  }

  classify(httpStatus: number, bodyText: string): Classified {
    const parsed = parseJson(bodyText);
    const records = classifyRecords(httpStatus, parsed);
    if (records) return records;
    const error = errorShape(parsed);
    if (error) return { status: statusFor(httpStatus), errorType: error.type, errorMessage: error.message };
    const gatewayMessage = apiGatewayMessage(parsed);
    if (gatewayMessage !== undefined && httpStatus >= 400) {
      return { status: statusFor(httpStatus), errorType: typeFromMessage(gatewayMessage, httpStatus), errorMessage: truncate(gatewayMessage) };
    }
    const fallback = fallbackAnswer(httpStatus, bodyText);
    return httpStatus === 504 ? { ...fallback, status: 'timeout' } : fallback;
  }
}

function statusFor(httpStatus: number): Classified['status'] {
  if (httpStatus === 429) return 'throttled';
  if (httpStatus === 504) return 'timeout';
  return 'error';
}

/** API Gateway's own answers are `{"message": "…"}` (`Message` in some AWS answers). */
function apiGatewayMessage(parsed: unknown): string | undefined {
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const { message, Message } = parsed as { message?: unknown; Message?: unknown };
  const text = typeof message === 'string' ? message : Message;
  return typeof text === 'string' ? text : undefined;
}

/** `Endpoint request timed out` → `EndpointRequestTimedOut`; long or odd messages → `HttpError<status>`. */
function typeFromMessage(message: string, httpStatus: number): string {
  if (!/^[A-Za-z][A-Za-z ]{0,59}$/.test(message)) return httpErrorType(httpStatus);
  return message
    .split(' ')
    .filter(Boolean)
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
}
