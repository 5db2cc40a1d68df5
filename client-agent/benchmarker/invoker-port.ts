import type { Classified } from '../providers/types';

/**
 * What the Benchmarker needs of an invoker (client-agent/invoker implements it over undici and raw keep-alive sockets; tests
 * may pass a fake). Kept here so the Benchmarker depends on a shape, not on HTTP.
 */
export interface TimedAnswer {
  /** Tries made; retries of connection failures are never inside the timing. */
  attempts: number;
  httpStatus: number | null;
  /** Epoch ms, sub-ms precision, of the final attempt. */
  sendAt: number | null;
  firstByteAt: number | null;
  endAt: number | null;
  bodyText: string | null;
  classified: Classified;
}

export interface InvokerPort {
  warm(functionName: string, connections: number): Promise<void>;
  invoke(functionName: string, payload: unknown): Promise<TimedAnswer>;
  invokeConcurrently(functionName: string, n: number, payload: unknown): Promise<TimedAnswer[]>;
  close(): Promise<void>;
}
