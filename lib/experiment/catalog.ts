// Generated from the files in experiments/ by lib/experiment/catalog-file.ts: do not edit.
// `fb` and `cdk synth` regenerate it when experiments/ changes; a test checks it is current.
import type { Experiment } from './define';
import coldstartIdentifierNested from '../../experiments/coldstart-identifier-nested';
import coldstartIdentifier from '../../experiments/coldstart-identifier';
import coldtimeLargeFunctions from '../../experiments/coldtime-large-functions';
import concurrencyBenchmarking from '../../experiments/concurrency-benchmarking';
import functionLifetime from '../../experiments/function-lifetime';
import linearInvocation from '../../experiments/linear-invocation';
import simpleColdFunctionNested from '../../experiments/simple-cold-function-nested';
import simpleColdFunctionThreadedTwelve from '../../experiments/simple-cold-function-threaded-twelve';
import simpleColdFunction from '../../experiments/simple-cold-function';
import singleFunctionTimeToColdStart from '../../experiments/single-function-time-to-cold-start';
import throughputBenchmarking from '../../experiments/throughput-benchmarking';
import timeToColdStartTwelveThreads from '../../experiments/time-to-cold-start-twelve-threads';
import trackCloudfunctionsLifecycle from '../../experiments/track-cloudfunctions-lifecycle';

/** Every experiment, with the file it came from (its name must be the file name). */
export const EXPERIMENT_CATALOG: readonly (readonly [file: string, experiment: Experiment])[] = [
  ['coldstart-identifier-nested', coldstartIdentifierNested as unknown as Experiment],
  ['coldstart-identifier', coldstartIdentifier as unknown as Experiment],
  ['coldtime-large-functions', coldtimeLargeFunctions as unknown as Experiment],
  ['concurrency-benchmarking', concurrencyBenchmarking as unknown as Experiment],
  ['function-lifetime', functionLifetime as unknown as Experiment],
  ['linear-invocation', linearInvocation as unknown as Experiment],
  ['simple-cold-function-nested', simpleColdFunctionNested as unknown as Experiment],
  ['simple-cold-function-threaded-twelve', simpleColdFunctionThreadedTwelve as unknown as Experiment],
  ['simple-cold-function', simpleColdFunction as unknown as Experiment],
  ['single-function-time-to-cold-start', singleFunctionTimeToColdStart as unknown as Experiment],
  ['throughput-benchmarking', throughputBenchmarking as unknown as Experiment],
  ['time-to-cold-start-twelve-threads', timeToColdStartTwelveThreads as unknown as Experiment],
  ['track-cloudfunctions-lifecycle', trackCloudfunctionsLifecycle as unknown as Experiment],
];
