/**
 * The timed HTTP invoker (see `invoker.ts`): what the Benchmarker uses to send lab-function
 * requests over pre-opened keep-alive connections and time them.
 */
export { Invoker, type InvokerOptions, type TimedAnswer, WarmUpError } from './invoker';
