import type { TimedAnswer } from '../../lib/experiment/bench';

export type { TimedAnswer };

/**
 * What the Benchmarker needs of an invoker (client-agent/invoker implements it over undici and raw
 * keep-alive sockets; tests may pass a fake), so that the Benchmarker depends on a shape, not on HTTP.
 */
export interface InvokerPort {
  warm(functionName: string, connections: number): Promise<void>;
  invoke(functionName: string, payload: unknown): Promise<TimedAnswer>;
  invokeConcurrently(functionName: string, n: number, payload: unknown): Promise<TimedAnswer[]>;
  /** Retire every instance of a function so its next call is cold (throws where the platform does not allow it). */
  forceCold(functionName: string): Promise<void>;
  close(): Promise<void>;
}
