/**
 * The Azure Functions provider: each lab function is an HTTP trigger with function-level auth in
 * some function app, configured as logical name → `{ url: https://<app>.azurewebsites.net/api/<fn>,
 * key }`. One invocation is `POST <url>` with the key in `x-functions-key` — never `?code=` in the
 * URL (URLs end up in logs; a URL with a query is rejected). Function apps may differ per
 * function, so origins may too (the invoker keeps one pool per origin).
 *
 * Answers: 200 with a record map → ok; the lab's 400/500 JSON → error with the lab's type (body
 * kept when it has records); 401 with an empty body (key rejected) → error `Unauthorized`;
 * 429 (host throttling) → throttled; 500 with an empty body (an unhandled exception in the
 * host/worker) → error `HttpError500`; 503 HTML `Function host is not running.` → error
 * `HttpError503` with the page's text; anything else → `HttpError<status>` with its text.
 * A function name missing from the configuration throws `UnknownFunctionError` at requestFor.
 */
import { classifyRecords, errorShape, fallbackAnswer, parseJson } from '../classify-answer';
import type { Classified, Provider, ProviderRequest } from '../platform';
import { splitUrl, UnknownFunctionError } from '../provider-fields';
import type { AzureFunctionsConfig } from './config';

export class AzureFunctionsProvider implements Provider {
  readonly platform = 'azure-functions';
  readonly secrets: readonly string[];
  readonly #requests = new Map<string, ProviderRequest>();

  constructor(config: AzureFunctionsConfig) {
    for (const [name, target] of Object.entries(config.functions)) {
      const { origin, basePath } = splitUrl(target.url);
      this.#requests.set(name, {
        origin,
        path: basePath || '/',
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-functions-key': target.key },
      });
    }
    this.secrets = Object.freeze([...new Set(Object.values(config.functions).map((target) => target.key))]);
  }

  requestFor(functionName: string): ProviderRequest {
    const request = this.#requests.get(functionName);
    if (!request) throw new UnknownFunctionError(`no Azure function configured for ${JSON.stringify(functionName)}`);
    return { ...request, headers: { ...request.headers } };
  }

  classify(httpStatus: number, bodyText: string): Classified {
    const parsed = parseJson(bodyText);
    const records = classifyRecords(httpStatus, parsed);
    if (records) return records;
    const error = errorShape(parsed);
    if (error) return { status: httpStatus === 429 ? 'throttled' : 'error', errorType: error.type, errorMessage: error.message };
    if (httpStatus === 401 && !bodyText.trim()) {
      return { status: 'error', errorType: 'Unauthorized', errorMessage: 'HTTP 401 with an empty body: the function key was rejected' };
    }
    if (httpStatus === 500 && !bodyText.trim()) {
      return { status: 'error', errorType: 'HttpError500', errorMessage: 'HTTP 500 with an empty body: an unhandled exception in the Functions host' };
    }
    return fallbackAnswer(httpStatus, bodyText);
  }
}
