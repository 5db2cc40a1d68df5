/**
 * The timed HTTP invoker (see `invoker.ts`): what the Benchmarker uses to send lab-function
 * requests over pre-opened keep-alive connections and time them.
 */
export { DEFAULT_CONNECTION_RETRIES, DEFAULT_CONNECTIONS_PER_ORIGIN, DEFAULT_TIMEOUT_MS, Invoker, InvokerClosedError, type InvokerOptions, type TimedAnswer, WarmUpError } from './invoker';
