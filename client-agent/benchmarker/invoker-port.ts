import type { InvokeOptions, TimedAnswer } from '../../lib/experiment/bench';

export type { InvokeOptions, TimedAnswer };

/**
 * What the Benchmarker needs of an invoker (client-agent/invoker implements it over undici and raw
 * keep-alive sockets; tests may pass a fake), so that the Benchmarker depends on a shape, not on HTTP.
 */
export interface InvokerPort {
  warm(functionName: string, connections: number): Promise<void>;
  /** `options.timeoutMs` replaces the invoker's own deadline for this call. */
  invoke(functionName: string, payload: unknown, options?: InvokeOptions): Promise<TimedAnswer>;
  invokeConcurrently(functionName: string, n: number, payload: unknown, options?: InvokeOptions): Promise<TimedAnswer[]>;
  /** Retire every instance of a function so its next call is cold (throws where the platform does not allow it). */
  forceCold(functionName: string): Promise<void>;
  close(): Promise<void>;
}
