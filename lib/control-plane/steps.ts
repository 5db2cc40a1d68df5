import { findExperiment, listExperiments } from '../experiment/registry';
import { chooseColdTime } from './cold-time';
import { FB_VERSION, sourceCommit } from '../version';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { clientManifest } from '../agent/client-usage';
import type { AgentOutcome } from '../agent/plan';
import { readResultsFile, type ResultsFileContents } from '../agent/results-file';
import type { ResultsStore } from '../results/store';
import { chooseClientSize, clientManifestEntry } from '../platforms/client/machine-size';
import type { BranchInput, BranchRun, ClientDriver, FunctionProvisioner } from '../platforms/platform';
import { failAbandonedLocalRuns } from './abandoned-runs';
import { ProvisionTransientError } from '../platforms/errors';
import { judgeReadiness, type ReadinessDeadlines, withProvisionedAt } from './readiness-deadline';
import { DEFAULT_TEARDOWN_DEADLINES_MS, judgeRemoval, type TeardownCheck } from './removal-check';
import { FINAL_RUN_STATUSES } from '../results/types';
import { estimateRunCost } from '../cost/run-cost';
import { ResultsStoreUnavailableError } from '../results/errors';
import { type ValidatedRunInput, validateRunInput } from './run-input';

/** Hands out the per-run callback secret for a task token (the agent never sees the token). */
export interface CallbackIssuer {
  issue(runId: string, taskToken: string): Promise<{ url: string; secret: string }>;
  /** Forget the run's secret and task token: the run has ended, nothing may report for it any more. */
  revoke(runId: string): Promise<void>;
}

export interface StepDependencies {
  store: ResultsStore;
  provisioners: Record<string, FunctionProvisioner>;
  clients: Record<string, ClientDriver>;
  callbacks: CallbackIssuer;
  /** Where a run's results go. */
  resultsLocation(runId: string): string;
  /** A presigned upload URL for that location, where the agent cannot write it directly (S3). */
  resultsUploadUrl?: (location: string) => Promise<string>;
  /** Read an agent's results back. @default the local results file */
  readResults?: (location: string) => Promise<ResultsFileContents>;
  /**
   * Import a run's results in bulk where the database loads them itself (Aurora:
   * `aws_s3.table_import_from_s3`). @default read them, then `store.importRunResults` (COPY)
   */
  importResults?: (runId: string, location: string) => Promise<ImportedCounts>;
  heartbeatIntervalMs: number;
  /** For platforms this control plane cannot run, why (named in ValidateInput's refusal). */
  unavailable?: Record<string, string>;
  /** How long readiness loops may go on. @default DEFAULT_READINESS_DEADLINES (./readiness-deadline.ts) */
  readinessDeadlines?: ReadinessDeadlines;
  /** How long the deletions may take after Teardown, per platform, ms. @default DEFAULT_TEARDOWN_DEADLINES_MS (./removal-check.ts) */
  teardownDeadlinesMs?: Readonly<Record<string, number>>;
  /**
   * Which control plane these steps are: the local interpreter on this machine, or the deployed
   * one in AWS, whose state transitions, Data API and S3 requests are billed (lib/cost). @default 'local'
   */
  controlPlane?: 'local' | 'deployed';
  /** The clock of the readiness deadlines and of the cost estimate's end of run. @default () => new Date() */
  now?: () => Date;
}

export class UnknownPlatformError extends Error {
  override name = 'UnknownPlatformError';
}

export class PlatformNotAvailableError extends Error {
  override name = 'PlatformNotAvailableError';
}

/**
 * The work of every Task of RunExperiment, platform-specific parts behind the provisioner and
 * client interfaces, so the same steps run in AWS Lambda and locally. Each writes the run's status
 * transition (starting → provisioning → running → collecting → destroying → completed|failed).
 */
export function createSteps(deps: StepDependencies) {
  const now = deps.now ?? (() => new Date());
  const provisioner = (platform: string) => {
    const found = deps.provisioners[platform];
    if (!found) throw new UnknownPlatformError(`no function provisioner for platform ${platform}`);
    return found;
  };
  const client = (platform: string) => {
    const found = deps.clients[platform];
    if (!found) throw new UnknownPlatformError(`no client driver for platform ${platform}`);
    return found;
  };

  /**
   * The run's parameters with its cold time filled in, when the experiment waits one
   * (./cold-time.ts); the choice goes into the manifest (`cold_time`) and the agent's log (`notes`).
   */
  const paramsWithColdTime = async (input: BranchInput): Promise<{ params: Record<string, unknown>; notes: string[] }> => {
    const need = findExperiment(input.experiment).coldTime;
    if (!need) return { params: input.params, notes: [] };
    const run = await deps.store.getRun(input.run.runId);
    if (!run) throw new UnknownRunError(`run ${input.run.runId} is not in the results store`);
    const choice = await chooseColdTime(deps.store, need, run, input.params.coldTimeSeconds);
    await deps.store.mergeRunManifest(run.id, { cold_time: choice });
    return { params: { ...input.params, coldTimeSeconds: choice.seconds }, notes: [choice.description] };
  };

  /**
   * Store the run's cost estimate, failed runs included (what they made was billed too). A cost
   * that cannot be worked out never fails the run: the manifest says why instead. A store that is
   * unavailable fails the step, which the state machine retries.
   */
  const recordCost = async (input: BranchInput): Promise<void> => {
    try {
      const estimate = await estimateRunCost(deps.store, {
        runId: input.run.runId,
        platform: input.run.platform,
        platformOptions: input.platformOptions ?? {},
        clientNeed: listExperiments().find((experiment) => experiment.name === input.experiment)?.client,
        client: input.client,
        agent: input.agent,
        controlPlane: deps.controlPlane ?? 'local',
        heartbeatIntervalMs: deps.heartbeatIntervalMs,
        now: deps.now?.() ?? new Date(),
      });
      await deps.store.setRunCost(input.run.runId, estimate.usd, { ...estimate });
    } catch (error) {
      if (error instanceof ResultsStoreUnavailableError) throw error;
      await deps.store.mergeRunManifest(input.run.runId, { cost: { usd: null, error: `${(error as Error).name}: ${(error as Error).message}` } });
    }
  };

  return {
    /**
     * Schema, experiment and parameters; then that this control plane can provision every platform
     * named; then that each platform's client region offers the client size the run would get (the
     * same choice ProvisionClient makes: the run's option, the experiment's, else the deployment's),
     * where the client can ask its cloud (ClientSizeNotOfferedError).
     */
    async ValidateInput(input: unknown): Promise<ValidatedRunInput> {
      const validated = await validateRunInput(input);
      const unavailable = validated.platforms.filter((platform) => !deps.provisioners[platform] || !deps.clients[platform]);
      if (unavailable.length) {
        const available = Object.keys(deps.provisioners).filter((platform) => deps.clients[platform]);
        const why = unavailable.map((platform) => (deps.unavailable?.[platform] ? `${platform} (needs ${deps.unavailable[platform]})` : platform));
        throw new PlatformNotAvailableError(`this control plane cannot provision ${why.join(', ')}; it can: ${available.join(', ') || 'none'}`);
      }
      const sizing = chooseClientSize(findExperiment(validated.experiment).client, validated.platformOptions);
      await Promise.all(validated.platforms.map((platform) => client(platform).checkSizeOffered?.(sizing)));
      return validated;
    },

    /** One `runs` row per platform, exclusively; on a conflict the rows already made are failed again. */
    async AcquireLock(input: ValidatedRunInput & { executionId: string }): Promise<{ runs: BranchRun[] }> {
      const runs: BranchRun[] = [];
      try {
        for (const platform of input.platforms) {
          await failAbandonedLocalRuns(deps.store, { experiment: input.experiment, platform });
          const run = await deps.store.createRun(
            {
              id: randomUUID(),
              experiment: input.experiment,
              platform,
              client_platform: platform === 'local' ? 'local' : 'opposite-cloud',
              params: input.params,
              manifest: {
                fb_version: FB_VERSION,
                commit: sourceCommit(),
                node: process.version,
                host: hostname(),
                pid: process.pid,
                quick: input.quick,
                time_scale: input.quick ? (listExperiments().find((experiment) => experiment.name === input.experiment)?.quick.timeScale ?? null) : 1,
                platform_options: input.platformOptions,
              },
              execution_id: input.executionId,
            },
            { exclusive: true },
          );
          runs.push({ runId: run.id, platform });
        }
      } catch (error) {
        for (const run of runs) await deps.store.setRunStatus(run.runId, 'failed', `lock not acquired for every platform: ${(error as Error).message}`);
        throw error;
      }
      return { runs };
    },

    async ProvisionFunctions(input: BranchInput): Promise<Record<string, unknown>> {
      await deps.store.setRunStatus(input.run.runId, 'provisioning');
      const answer = await provisioner(input.run.platform).provision(input);
      if (answer.settings && typeof answer.settings === 'object') await deps.store.mergeRunManifest(input.run.runId, { platform_settings: answer.settings });
      return withProvisionedAt(answer, now());
    },

    /** The provisioner's answer; `failed` once the readiness deadline has passed (./readiness-deadline.ts). */
    CheckFunctionsReady: async (input: BranchInput) =>
      judgeReadiness('functions', input.run.platform, input.functions, await provisioner(input.run.platform).check(input), now(), deps.readinessDeadlines),

    /**
     * Start making the client, of the size the run's platform options name, else the size the
     * experiment declares (lib/platforms/client/machine-size.ts); the manifest records what was made.
     */
    async ProvisionClient(input: BranchInput): Promise<Record<string, unknown>> {
      const sizing = chooseClientSize(findExperiment(input.experiment).client, input.platformOptions);
      const answer = await client(input.run.platform).provision({ ...input, platformOptions: sizing.platformOptions });
      await deps.store.mergeRunManifest(input.run.runId, { client: clientManifestEntry(answer, sizing) });
      return withProvisionedAt(answer, now());
    },

    CheckClientReady: async (input: BranchInput) => judgeReadiness('client', input.run.platform, input.client, await client(input.run.platform).check(input), now(), deps.readinessDeadlines),

    /** RunAgent's Lambda: start the agent with its plan; its callback completes the Task. */
    async StartAgent(input: BranchInput & { taskToken: string }): Promise<void> {
      await deps.store.setRunStatus(input.run.runId, 'running');
      const callback = await deps.callbacks.issue(input.run.runId, input.taskToken);
      // Read here, not in a state's output: the target may hold an API key or function keys.
      const target = await provisioner(input.run.platform).agentTarget(input);
      const resultsLocation = deps.resultsLocation(input.run.runId);
      const resultsUploadUrl = deps.resultsUploadUrl ? await deps.resultsUploadUrl(resultsLocation) : undefined;
      const { params, notes } = await paramsWithColdTime(input);
      await client(input.run.platform).startAgent({
        runId: input.run.runId,
        experiment: input.experiment,
        params,
        ...(notes.length ? { notes } : {}),
        quick: input.quick,
        target,
        resultsLocation,
        ...(resultsUploadUrl ? { resultsUploadUrl } : {}),
        callback: { url: callback.url, runId: input.run.runId, secret: callback.secret },
        heartbeatIntervalMs: deps.heartbeatIntervalMs,
      }, input);
    },

    /**
     * Import the agent's results file and store its headline result; importing twice stores the
     * rows once. The import is checked against the counts the agent reported: a file that holds
     * fewer rows (missing, torn, cut short) fails the run with {@link ResultsIncompleteError},
     * after keeping what it holds. `partial` (CollectPartialResults, after the agent failed or
     * went silent): whatever the agent wrote before it stopped is kept, and the manifest says so.
     */
    async CollectResults(input: { run: BranchRun; agent?: AgentOutcome; partial?: boolean }): Promise<ImportedCounts> {
      if (!input.partial) await deps.store.setRunStatus(input.run.runId, 'collecting');
      const location = input.agent?.resultsLocation ?? deps.resultsLocation(input.run.runId);
      let counts: ImportedCounts;
      if (deps.importResults) counts = await deps.importResults(input.run.runId, location);
      else {
        const contents = await (deps.readResults ?? readResultsFile)(location);
        await deps.store.importRunResults(input.run.runId, contents.invocations, contents.experimentRows);
        counts = {
          invocations: contents.invocations.length,
          experimentRows: contents.experimentRows.length,
          ...(contents.missing ? { missing: true as const } : {}),
          ...(contents.tornLastLine === undefined ? {} : { tornLastLine: contents.tornLastLine }),
        };
      }
      const file = { invocations: counts.invocations, experiment_rows: counts.experimentRows, ...(counts.missing ? { missing: true } : {}), ...(counts.tornLastLine === undefined ? {} : { torn_last_line: counts.tornLastLine }) };
      if (input.partial) {
        await deps.store.mergeRunManifest(input.run.runId, { partial_results: file });
        return counts;
      }
      if (counts.tornLastLine !== undefined || counts.missing) await deps.store.mergeRunManifest(input.run.runId, { results_file: file });
      const agent = input.agent;
      if (!agent) throw new ResultsIncompleteError(`run ${input.run.runId}: no agent outcome to check the results against`);
      if (counts.invocations !== agent.invocations || counts.experimentRows !== agent.experimentRows) {
        const how = counts.missing ? ' (no results file)' : counts.tornLastLine === undefined ? '' : ` (its line ${counts.tornLastLine} was torn)`;
        throw new ResultsIncompleteError(
          `the agent reported ${agent.invocations} invocation rows and ${agent.experimentRows} experiment rows; the results file${how} held ${counts.invocations} and ${counts.experimentRows}, which are stored`,
        );
      }
      if (agent.result) await deps.store.setRunResult(input.run.runId, agent.result);
      if (agent.clock) {
        const { offsetMs, errorMs, samples } = agent.clock;
        await deps.store.mergeRunManifest(input.run.runId, { clock: { offset_ms: offsetMs, error_ms: errorMs, samples } });
      }
      if (agent.forcedCold) await deps.store.mergeRunManifest(input.run.runId, { forced_cold: agent.forcedCold });
      if (agent.client) await deps.store.mergeRunManifest(input.run.runId, clientManifest(agent.client));
      return counts;
    },

    /** Delete everything the branch made; each part is tried even if another fails. */
    async Teardown(input: BranchInput): Promise<{ removed: string[]; startedAt: string }> {
      await deps.store.setRunStatus(input.run.runId, 'destroying');
      const failures: string[] = [];
      let allTransient = true;
      for (const [what, step] of [
        ['client', () => client(input.run.platform).teardown(input)],
        ['functions', () => provisioner(input.run.platform).teardown(input)],
      ] as const) {
        try {
          await step();
        } catch (error) {
          failures.push(`${what}: ${(error as Error).message}`);
          if (!(error instanceof ProvisionTransientError)) allTransient = false;
        }
      }
      // Worth retrying only when every failure was transient (throttling, a provider's 5xx); a
      // refusal (expired credentials, a missing permission) would fail the same way for minutes.
      if (failures.length && allTransient) throw new TeardownTransientError(failures.join('; '));
      if (failures.length) throw new TeardownIncompleteError(failures.join('; '));
      return { removed: ['client', 'functions'], startedAt: now().toISOString() };
    },

    /**
     * Where the deletions Teardown started stand (polled by WaitForTeardown → CheckTeardown until
     * `done` or `failed`): FinishRun fails the run with what is left.
     */
    async CheckTeardown(input: BranchInput & { teardown?: { startedAt?: string } }): Promise<TeardownCheck> {
      const [clientRemoval, functionsRemoval] = await Promise.all([client(input.run.platform).removal(input), provisioner(input.run.platform).removal(input)]);
      const startedAt = typeof input.teardown?.startedAt === 'string' ? input.teardown.startedAt : now().toISOString();
      return judgeRemoval(input.run.platform, startedAt, { client: clientRemoval, functions: functionsRemoval }, now(), deps.teardownDeadlinesMs ?? DEFAULT_TEARDOWN_DEADLINES_MS);
    },

    /** The run's cost estimate (lib/cost), then its final status: a watcher that sees the status finds the cost. */
    async FinishRun(input: BranchInput & { teardownError?: { Error: string; Cause?: string }; teardownCheck?: Partial<TeardownCheck> }): Promise<{ runId: string; platform: string; status: 'completed' | 'failed'; reason?: string }> {
      await recordCost(input);
      const notRemoved = input.teardownCheck?.failed === true ? `TeardownIncomplete: not removed: ${(input.teardownCheck.left ?? []).join('; ') || 'unknown'}` : undefined;
      const failure = input.error ?? input.teardownError;
      if (!failure && !notRemoved) {
        await deps.store.setRunStatus(input.run.runId, 'completed');
        return { runId: input.run.runId, platform: input.run.platform, status: 'completed' };
      }
      const reason = [failure && describeFailure(failure), notRemoved].filter(Boolean).join('; ');
      await deps.store.setRunStatus(input.run.runId, 'failed', reason);
      return { runId: input.run.runId, platform: input.run.platform, status: 'failed', reason };
    },

    /**
     * End every run of the execution: a run whose branch could not record its end (FinishRun
     * failing after its retries: FinishRunFailed) is marked failed here, so no run stays active
     * and holds its experiment's lock. Counts the runs that did not complete.
     */
    async ReleaseLock(input: { lock: { runs: BranchRun[] } }): Promise<{ failed: number; released: string[] }> {
      let failed = 0;
      const released: string[] = [];
      for (const run of input.lock.runs) {
        // The task token and secret hash are of no use once the run has ended: not kept forever.
        await deps.callbacks.revoke(run.runId);
        const row = await deps.store.getRun(run.runId);
        if (row && !FINAL_RUN_STATUSES.includes(row.status)) {
          await deps.store.setRunStatus(run.runId, 'failed', `the run ended while ${row.status} without recording its end (FinishRun failed)`);
          released.push(run.runId);
        }
        if (row?.status !== 'completed') failed += 1;
      }
      return { failed, released };
    },
  };
}

export type Steps = ReturnType<typeof createSteps>;

/** A Task named a run the results store does not have. */
export class UnknownRunError extends Error {
  override name = 'UnknownRunError';
}

/** What an import stored, and what it found about the results file. */
export interface ImportedCounts {
  invocations: number;
  experimentRows: number;
  /** There was no results file (the agent wrote nothing, or it was lost). */
  missing?: true;
  /** The 1-based line the agent was writing when it died: that row is not stored. */
  tornLastLine?: number;
}

/** The imported rows differ from what the agent reported (a lost, torn or short file): the run fails, keeping what was imported. */
export class ResultsIncompleteError extends Error {
  override name = 'ResultsIncompleteError';
}

/** Teardown could not delete everything, for a reason retrying will not change: the run fails naming what is left. */
export class TeardownIncompleteError extends Error {
  override name = 'TeardownIncompleteError';
}

/** Teardown could not delete everything, every failure transient: the state machine tries again. */
export class TeardownTransientError extends Error {
  override name = 'TeardownTransientError';
}

/**
 * `Error: Cause` of a caught error. A Lambda's Cause is a JSON string (`{"errorType",
 * "errorMessage",…}`); its message is what a person wants to read.
 */
export function describeFailure(error: { Error: string; Cause?: string }): string {
  let cause = error.Cause ?? '';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') cause = parsed.errorMessage;
  } catch {
    // A plain-text cause.
  }
  return cause ? `${error.Error}: ${cause}` : error.Error;
}
