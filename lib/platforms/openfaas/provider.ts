/**
 * The OpenFaaS provider (and the embedded local platform, which speaks the same gateway API:
 * local/config.ts): `POST <gateway>/function/<deployed name>` with the lab input as JSON, and
 * `authorization: Basic …` when the gateway is configured with basic auth.
 *
 * Answers: 200 with a record map → ok. 429 → throttled (the local gateway's
 * `TooManyRequestsError`, an of-watchdog's `max_inflight` text). A record map with another status
 * → error with the root record's error (a lab function's own failure, 500). A JSON
 * `{error:{type,message}}` (the lab's 400, every local-gateway error) → error with that type.
 * Plain text (the real OpenFaaS gateway: 404 `error finding function …`, 502 `Can't reach service
 * for: …`, 500 on upstream timeouts) → `HttpError<status>` with the text, trimmed, ≤ 500 chars.
 */
import { classifyRecords, errorShape, fallbackAnswer, parseJson } from '../classify-answer';
import type { Classified, Provider, ProviderRequest } from '../platform';
import { deployedName, splitUrl } from '../provider-fields';
import type { GatewayConfig } from './config';

/** A provider for an OpenFaaS-API gateway; `config.platform` says which platform it is. */
export class GatewayProvider implements Provider {
  readonly platform: 'local' | 'openfaas';
  readonly secrets: readonly string[];
  readonly #origin: string;
  readonly #config: GatewayConfig;
  readonly #baseHeaders: Record<string, string>;

  constructor(config: GatewayConfig) {
    this.platform = config.platform;
    this.#config = config;
    this.#origin = splitUrl(config.gatewayUrl).origin;
    this.#baseHeaders = { 'content-type': 'application/json' };
    const secrets: string[] = [];
    if (config.basicAuth) {
      const token = Buffer.from(`${config.basicAuth.user}:${config.basicAuth.password}`, 'utf8').toString('base64');
      this.#baseHeaders.authorization = `Basic ${token}`;
      secrets.push(config.basicAuth.password, token);
    }
    this.secrets = Object.freeze(secrets);
  }

  requestFor(functionName: string): ProviderRequest {
    const name = deployedName(functionName, this.#config.functionNames, this.#config.functionPrefix);
    return { origin: this.#origin, path: `/function/${encodeURIComponent(name)}`, method: 'POST', headers: { ...this.#baseHeaders } };
  }

  classify(httpStatus: number, bodyText: string): Classified {
    return classifyGatewayAnswer(httpStatus, bodyText);
  }

  /** `POST /system/scale-function/<name> {replicas: 0}`: the gateway's own way to scale to zero (needs its basic auth). */
  forceColdRequest(functionName: string): ProviderRequest & { body: string } {
    const name = deployedName(functionName, this.#config.functionNames, this.#config.functionPrefix);
    return {
      origin: this.#origin,
      path: `/system/scale-function/${encodeURIComponent(name)}`,
      method: 'POST',
      headers: { ...this.#baseHeaders },
      body: JSON.stringify({ serviceName: name, replicas: 0 }),
    };
  }
}

export function classifyGatewayAnswer(httpStatus: number, bodyText: string): Classified {
  const parsed = parseJson(bodyText);
  const records = classifyRecords(httpStatus, parsed);
  if (records) return records;
  const error = errorShape(parsed);
  if (error) return { status: httpStatus === 429 ? 'throttled' : 'error', errorType: error.type, errorMessage: error.message };
  return fallbackAnswer(httpStatus, bodyText);
}
