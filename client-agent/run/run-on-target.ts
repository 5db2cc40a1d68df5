import type { ClockOffset } from '../../lib/experiment/clock';
import type { ExperimentResult } from '../../lib/experiment/result';
import type { Experiment } from '../../lib/experiment/define';
import { Benchmarker, type BenchmarkerProgress } from '../benchmarker/benchmarker';
import { RowSink, type RowWriter } from '../benchmarker/row-sink';
import type { InvokerPort } from '../benchmarker/invoker-port';
import { Invoker } from '../invoker';
import type { ProviderConfig } from '../../lib/agent/provider-config';
import { createProvider } from '../providers';

export interface TargetRunOptions {
  experiment: Experiment;
  /** Resolved parameters. */
  params: Record<string, unknown>;
  timeScale: number;
  runId: string;
  /** How to reach the functions (validated by `createProvider`): a gateway, an API Gateway URL and key, or function URLs and keys. */
  target: ProviderConfig;
  /** Where rows go: the agent's results file. */
  writer: RowWriter;
  onLog?: (message: string) => void;
  onProgress?: (progress: Readonly<BenchmarkerProgress>) => void;
  signal?: AbortSignal;
  /**
   * How to force a cold start where the agent cannot by itself (its provider has no
   * `forceColdRequest`): the control plane's callback endpoint. @default none: refused
   */
  forceColdThroughControlPlane?: (functionName: string) => Promise<void>;
}

/**
 * The client side of a run: invoke the functions as the experiment says and hand every row to
 * `writer` (the agent's results file) as it comes.
 */
export async function runExperimentOnTarget(options: TargetRunOptions): Promise<{ invocations: number; experimentRows: number; result?: ExperimentResult; clock?: ClockOffset; forcedCold?: { forced: number; mismatches: number } }> {
  const provider = createProvider(options.target);
  const invoker = new Invoker(provider);
  const viaControlPlane = provider.forceColdRequest ? undefined : options.forceColdThroughControlPlane;
  const port: InvokerPort = {
    warm: (functionName, connections) => invoker.warm(functionName, connections),
    invoke: (functionName, payload, invokeOptions) => invoker.invoke(functionName, payload, invokeOptions),
    invokeConcurrently: (functionName, n, payload, invokeOptions) => invoker.invokeConcurrently(functionName, n, payload, invokeOptions),
    forceCold: viaControlPlane ?? ((functionName) => invoker.forceCold(functionName)),
    close: () => invoker.close(),
  };
  const sink = new RowSink(options.writer);
  try {
    const bench = new Benchmarker({
      runId: options.runId,
      invoker: port,
      sink,
      timeScale: options.timeScale,
      onLog: options.onLog,
      onProgress: options.onProgress,
      signal: options.signal,
    });
    try {
      await options.experiment.run(bench, options.params as never);
    } finally {
      // Whatever happened, what was collected is kept.
      await sink.flush();
    }
    const clock = bench.clockOffset;
    const { forcedCold, forceColdMismatches } = bench.progress;
    return {
      ...sink.written,
      ...(bench.headline ? { result: bench.headline } : {}),
      ...(clock ? { clock } : {}),
      ...(forcedCold ? { forcedCold: { forced: forcedCold, mismatches: forceColdMismatches } } : {}),
    };
  } finally {
    await invoker.close();
  }
}
