/**
 * The client agent: the program on the client VM (or, locally, a child process). It reads its
 * plan, runs the experiment against the functions, appends every row to its results file, sends a
 * heartbeat while it works, and finally reports success (with where the results are) or failure
 * (with the reason) to the control plane's callback endpoint. It never touches the results store
 * and never sees AWS credentials or the Step Functions task token: only a per-run callback secret.
 */
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { findExperiment } from '../lib/experiment/registry';
import { type AgentOutcome, type AgentPlan, planSchema } from '../lib/agent/plan';
import { ResultsFileWriter } from '../lib/agent/results-file';
import { runExperimentOnTarget } from './run/run-on-target';
import { CallbackClient, CallbackRefusedError } from './callback-client';
import { ForceColdUnsupportedError } from './invoker/invoker';
import { startClientUsage } from './client-usage';


/** Where the agent writes rows: the plan's path, or a local file it uploads when the results go to S3. */
function localResultsPath(plan: AgentPlan): string {
  return plan.resultsUploadUrl ? join(tmpdir(), `faas-benchmarker-${plan.runId}.results.ndjson`) : plan.resultsLocation;
}

/** PUT the results file to its presigned URL (S3), a few times if the network blips. */
export async function uploadResults(path: string, url: string): Promise<void> {
  const body = existsSync(path) ? readFileSync(path) : Buffer.alloc(0);
  for (let attempt = 1; ; attempt++) {
    try {
      const answer = await request(url, { method: 'PUT', body, headers: { 'content-type': 'application/x-ndjson' } });
      await answer.body.dump();
      if (answer.statusCode >= 200 && answer.statusCode < 300) return;
      throw new Error(`results upload answered ${answer.statusCode}`);
    } catch (error) {
      if (attempt >= 4) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1000 * attempt));
    }
  }
}

/**
 * The upload URL to use now: a fresh one from the control plane (a presigned URL lasts only as
 * long as its signer's session, shorter than a long run), else the plan's.
 */
export async function freshUploadUrl(callback: CallbackClient, planUrl: string): Promise<string> {
  try {
    return await callback.uploadUrl();
  } catch (error) {
    console.error(`no fresh upload URL (${(error as Error).message}); using the plan's`);
    return planUrl;
  }
}

export async function runAgentPlan(plan: AgentPlan, signal?: AbortSignal): Promise<void> {
  const callback = new CallbackClient(plan.callback);
  let latest = '';
  const started = Date.now();
  const usage = startClientUsage();
  const progress = setInterval(() => {
    if (latest) console.log(`progress after ${Math.round((Date.now() - started) / 1000)}s: ${latest}`);
  }, 10_000);
  const beat = () => callback.heartbeat().catch((error: unknown) => console.error(`heartbeat failed: ${(error as Error).message}`));
  // One at once: the task's heartbeat clock runs from the moment it started the agent, boot included.
  void beat();
  for (const note of plan.notes ?? []) console.log(note);
  const heartbeat = setInterval(beat, plan.heartbeatIntervalMs);
  try {
    const experiment = findExperiment(plan.experiment);
    const written = await runExperimentOnTarget({
      experiment,
      params: plan.params,
      timeScale: plan.quick ? experiment.quick.timeScale : 1,
      runId: plan.runId,
      target: plan.target,
      writer: new ResultsFileWriter(localResultsPath(plan)),
      onLog: (message) => console.log(message),
      onProgress: (p) => {
        latest = `${p.requests} requests, ${p.invocationRows} records, ${p.cold} cold, ${p.errors} errors, ${p.throttled} throttled, ${p.timeouts} timeouts, ${p.experimentRows} rows`;
      },
      signal,
      forceColdThroughControlPlane: async (functionName) => {
        try {
          await callback.forceCold(functionName);
        } catch (error) {
          if (error instanceof CallbackRefusedError && error.status === 400) throw new ForceColdUnsupportedError(error.message);
          throw error;
        }
      },
    });
    clearInterval(heartbeat);
    clearInterval(progress);
    if (plan.resultsUploadUrl) await uploadResults(localResultsPath(plan), await freshUploadUrl(callback, plan.resultsUploadUrl));
    const outcome: AgentOutcome = { resultsLocation: plan.resultsLocation, invocations: written.invocations, experimentRows: written.experimentRows, ...(written.result ? { result: written.result } : {}), ...(written.clock ? { clock: written.clock } : {}), ...(written.forcedCold ? { forcedCold: written.forcedCold } : {}), client: usage() };
    await callback.success(outcome);
  } catch (error) {
    clearInterval(heartbeat);
    clearInterval(progress);
    const name = error instanceof Error ? error.name : 'Error';
    const message = error instanceof Error ? error.message : String(error);
    console.error(`${name}: ${message}`);
    // What was collected before the failure is still worth keeping.
    if (plan.resultsUploadUrl) {
      const url = await freshUploadUrl(callback, plan.resultsUploadUrl);
      await uploadResults(localResultsPath(plan), url).catch(() => undefined);
    }
    await callback.failure('AgentFailedError', `${name}: ${message}`);
    throw error;
  }
}

/** How long an agent whose local parent died may take to stop before it exits regardless. */
const ORPHAN_EXIT_MS = 5_000;

/**
 * Started by a local `fb` (local/control-plane/local-agent-driver.ts), the agent has an IPC
 * channel to it: when `fb` dies without tearing down (SIGKILL, a second Ctrl-C), the channel
 * closes, and the agent stops its run and exits within {@link ORPHAN_EXIT_MS} instead of running
 * on as an orphan. On a client machine there is no channel and nothing changes.
 */
function watchParent(controller: AbortController): void {
  if (!process.channel) return;
  process.channel.unref();
  process.once('disconnect', () => {
    console.error('the fb process that started this agent is gone: stopping');
    controller.abort();
    setTimeout(() => process.exit(1), ORPHAN_EXIT_MS).unref();
  });
}

/** Process entry: `agent <plan.json>`; exit 0 on success, 1 on failure (already reported). */
export function main(argv: string[]): void {
  const planFile = argv[0];
  if (!planFile) {
    console.error('usage: agent <plan.json>');
    process.exit(2);
  }
  const parsed = planSchema.safeParse(JSON.parse(readFileSync(planFile, 'utf8')));
  if (!parsed.success) {
    console.error(`agent: invalid plan ${planFile}: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`);
    process.exit(2);
  }
  const controller = new AbortController();
  process.once('SIGTERM', () => controller.abort());
  process.once('SIGINT', () => controller.abort());
  watchParent(controller);
  runAgentPlan(parsed.data, controller.signal).then(
    () => process.exit(0),
    () => process.exit(1),
  );
}
