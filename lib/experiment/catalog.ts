// Generated from the files in experiments/ by lib/experiment/catalog-file.ts: do not edit.
// `fb` and `cdk synth` regenerate it when experiments/ changes; a test checks it is current.
import type { Experiment } from './define';
import coldstartIdentifier from '../../experiments/coldstart-identifier';
import concurrencyBenchmarking from '../../experiments/concurrency-benchmarking';
import linearInvocation from '../../experiments/linear-invocation';
import simpleColdFunctionNested from '../../experiments/simple-cold-function-nested';
import simpleColdFunctionThreadedTwelve from '../../experiments/simple-cold-function-threaded-twelve';
import simpleColdFunction from '../../experiments/simple-cold-function';

/** Every experiment, with the file it came from (its name must be the file name). */
export const EXPERIMENT_CATALOG: readonly (readonly [file: string, experiment: Experiment])[] = [
  ['coldstart-identifier', coldstartIdentifier as unknown as Experiment],
  ['concurrency-benchmarking', concurrencyBenchmarking as unknown as Experiment],
  ['linear-invocation', linearInvocation as unknown as Experiment],
  ['simple-cold-function-nested', simpleColdFunctionNested as unknown as Experiment],
  ['simple-cold-function-threaded-twelve', simpleColdFunctionThreadedTwelve as unknown as Experiment],
  ['simple-cold-function', simpleColdFunction as unknown as Experiment],
];
