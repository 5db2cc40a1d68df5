import type { ClassifiedAnswer } from '../../lib/experiment/bench';

/**
 * A FaaS platform as the client sees it: how to address one invocation over HTTP, and what its
 * answers mean. Providers only describe; the invoker sends (over pre-opened keep-alive
 * connections) and times.
 */
export interface Provider {
  /** `local`, `openfaas`, `aws-lambda`, `azure-functions`. */
  readonly platform: string;
  /** The HTTP request for one invocation of `functionName` with a JSON `body`. */
  requestFor(functionName: string): ProviderRequest;
  /** What an answer means: ok with records, throttled, or an error with the platform's reason. */
  classify(httpStatus: number, bodyText: string): Classified;
  /**
   * Headers and paths that must never be logged (API keys, function keys): the invoker redacts
   * these values from anything it stores or prints.
   */
  readonly secrets: readonly string[];
}

export interface ProviderRequest {
  /** `http://127.0.0.1:8080`: one connection pool per origin. */
  origin: string;
  /** Path and query, e.g. `/function/function1`. */
  path: string;
  method: 'POST';
  headers: Record<string, string>;
}

/** What an answer means (the shape experiments see in `InvocationResult.answer.classified`). */
export type Classified = ClassifiedAnswer;
