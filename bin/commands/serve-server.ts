/**
 * The server behind `fb serve` (./serve.ts): the whole embedded control plane in one process on
 * http://127.0.0.1:<port>/ — the Step Functions API for RunExperiment
 * (local/control-plane/sfn-api.ts over local/control-plane/executions.ts, each execution run by
 * `runLocalControlPlane` as `fb run` runs it) and, on every other request, the results web UI
 * (web/app.ts) over the same store. The local results store is opened (and so hosted, when it is
 * the embedded one) for the server's lifetime; runs an earlier `fb` process abandoned are failed
 * first.
 */
import type { AddressInfo } from 'node:net';
import { relative } from 'node:path';
import { serve } from '@hono/node-server';
import { failAbandonedLocalRuns } from '../../lib/control-plane/abandoned-runs';
import { loadLocalScheduleFile } from '../../lib/config/schedules-source';
import type { OpenFaasProvisionerOptions } from '../../lib/platforms/openfaas/provisioner';
import { startLocalSchedules } from '../../local/schedules/local-scheduler';
import type { RunInput } from '../../lib/control-plane/run-input';
import { listExperiments } from '../../lib/experiment/registry';
import type { ResultsStore } from '../../lib/results/store';
import { type ExecutionDescription, ExecutionService } from '../../local/control-plane/executions';
import { LOCAL_STATE_MACHINE_ARN, localRunExperimentDefinition, runLocalControlPlane } from '../../local/control-plane/run-local';
import { createStepFunctionsApp, isStepFunctionsRequest } from '../../local/control-plane/sfn-api';
import { createUiApp } from '../../web/app';
import { storeSource } from '../../web/results-source';
import { createPollingRunFeed } from '../../web/run-feed';
import { STATIC_DIR } from '../../web/static-dir';
import { localRunsDir } from './runs';
import { openCliStore } from './store';

export class ServePortInUseError extends Error {
  override name = 'ServePortInUseError';
}

/** What a shutdown tells the executions it stops (their ABORTED error and cause). */
export const SHUTDOWN_STOP = { error: 'ServeStopped', cause: 'fb serve was stopped while the execution ran' } as const;

export interface StartServeOptions {
  port: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Each line of the server's own output (start, execution starts and ends). */
  print?: (line: string) => void;
  /** Each line a run's agent prints. @default on stderr, as `fb run` shows them on a non-terminal */
  onAgentOutput?: (runId: string, line: string) => void;
  /** Shorter readiness waits (tests). */
  readinessPollMs?: number;
  /** A schedule file to run (the one `cdk deploy` reads): its entries for local and openfaas fire here. */
  schedulesFile?: string;
  /** An OpenFaaS gateway for platform `openfaas` (without one, only `local` runs here). */
  openfaas?: OpenFaasProvisionerOptions;
}

export interface RunningServe {
  /** `http://127.0.0.1:<port>` (the API endpoint; the UI is its `/`). */
  endpoint: string;
  port: number;
  stateMachineArn: string;
  /** Stop every running execution (torn down as by StopExecution), then the server and the store. */
  close(): Promise<void>;
}

export async function startServe(options: StartServeOptions): Promise<RunningServe> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const print = options.print ?? ((line: string) => console.log(line));
  const log = (message: string, error?: unknown) => console.error(`fb serve: ${message}${error ? `: ${error instanceof Error ? error.message : String(error)}` : ''}`);
  // A bad schedule file is refused before anything is opened.
  const scheduleFile = options.schedulesFile === undefined ? undefined : loadLocalScheduleFile(options.schedulesFile, relative(cwd, options.schedulesFile) || options.schedulesFile);
  const store: ResultsStore = await openCliStore({ env, cwd, forLocalRuns: true });
  const workDir = localRunsDir(cwd);
  try {
    for (const runId of await failAbandonedLocalRuns(store, { runsDir: workDir })) print(`run ${runId} was abandoned (its fb process is gone): marked failed`);
  } catch (error) {
    await store.close();
    throw error;
  }
  const { definition, text } = localRunExperimentDefinition();
  const onAgentOutput = options.onAgentOutput ?? ((runId: string, line: string) => process.stderr.write(`  [${runId.slice(0, 8)}] ${line}\n`));
  const service = new ExecutionService({
    stateMachineArn: LOCAL_STATE_MACHINE_ARN,
    definition,
    definitionText: text,
    runner: async (request) =>
      (
        await runLocalControlPlane({
          input: request.input as RunInput,
          store,
          workDir,
          executionArn: request.executionArn,
          onEvent: request.onEvent,
          stopSignal: request.stopSignal,
          onAgentOutput,
          ...(options.openfaas ? { openfaas: options.openfaas } : {}),
          ...(options.readinessPollMs !== undefined ? { readinessPollMs: options.readinessPollMs } : {}),
        })
      ).execution,
    onChange: (execution, change) => print(executionLine(execution, change)),
  });
  let port = options.port;
  const allowedHosts = () => [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`];
  const api = createStepFunctionsApp({ service, allowedHosts, log });
  const results = storeSource(store);
  const feed = createPollingRunFeed({ source: results, intervalMs: 1000, onError: (error) => log('reading the runs failed', error) });
  const ui = createUiApp({ results, feed, auth: { mode: 'none', allowedHosts }, staticDir: STATIC_DIR, experimentNames: listExperiments().map((experiment) => experiment.name), log });
  const server = serve({ fetch: (request, env) => (isStepFunctionsRequest(request) ? api.fetch(request, env) : ui.fetch(request, env)), port: options.port, hostname: '127.0.0.1' });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', (error: NodeJS.ErrnoException) =>
        reject(error.code === 'EADDRINUSE' ? new ServePortInUseError(`port ${options.port} on 127.0.0.1 is in use: stop what uses it, or choose another with fb serve --port <n>`) : error),
      );
    });
  } catch (error) {
    feed.close();
    await store.close();
    throw error;
  }
  port = (server.address() as AddressInfo).port;
  for (const name of scheduleFile?.deployedOnly ?? []) print(`schedule ${name}: names a deployed-only platform; cdk deploy schedules it, fb serve does not`);
  const schedules = scheduleFile
    ? startLocalSchedules(scheduleFile.schedules, {
        startExecution: async (input, name) => (await service.start({ stateMachineArn: service.stateMachineArn, name, input: JSON.stringify(input) })).executionArn,
        onFire: (fire) => print(`schedule ${fire.schedule}: started ${fire.executionName}`),
        onError: (error, schedule) => log(`schedule ${schedule} could not start its execution`, error),
      })
    : undefined;
  for (const { name, nextFireAt } of schedules?.upcoming() ?? []) print(`schedule ${name}: ${nextFireAt ? `next ${nextFireAt.toISOString()}` : 'disabled'}`);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    stateMachineArn: service.stateMachineArn,
    async close() {
      schedules?.stop();
      await service.stopAll(SHUTDOWN_STOP);
      feed.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // The UI's event streams never end by themselves: end them, so the server can close.
        if ('closeAllConnections' in server) server.closeAllConnections();
      });
      await store.close();
    },
  };
}

/** One line per execution start and end. */
function executionLine(execution: ExecutionDescription, change: 'started' | 'ended'): string {
  const time = new Date().toISOString().slice(11, 19);
  if (change === 'started') return `${time} started ${execution.name}${experimentOf(execution.input)}`;
  const why = [execution.error, execution.cause].filter(Boolean).join(': ');
  return `${time} ${execution.status} ${execution.name}${why ? ` (${why})` : ''}${execution.status === 'ABORTED' ? '; torn down' : ''}`;
}

function experimentOf(input: string): string {
  try {
    const { experiment } = JSON.parse(input) as { experiment?: unknown };
    return typeof experiment === 'string' ? `: ${experiment}` : '';
  } catch {
    return '';
  }
}
