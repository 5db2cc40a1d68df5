/**
 * The fault matrix: RunExperiment on the local control plane with real processes (a local FaaS
 * platform per run, the agent as a child process, the callback endpoint on loopback), a fault
 * injected at one step per row, and the same checks on every row: the execution's status, the
 * run's status and reason, the rows stored against the rows the agent wrote before the fault, no
 * process left, no plan file left, no lock left, and every resource torn down once. The faults
 * come from decorators around the real adapters and store (test-support/fault-injection.ts);
 * the rows run concurrently, each with its own store, and the matrix is printed at the end.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_BUNDLE_FILE } from '../../lib/agent/bundle';
import { ProvisionTransientError } from '../../lib/platforms/errors';
import type { ClientDriver, FunctionProvisioner } from '../../lib/platforms/platform';
import { ResultsStoreUnavailableError } from '../../lib/results/errors';
import { openResultsStore } from '../../lib/results/open-store';
import type { ResultsStore } from '../../lib/results/store';
import type { RunRow } from '../../lib/results/types';
import { FaultLedger, type FaultHook, faultyStore, InjectedFaultError, meteredClient, meteredProvisioner, type StoreFaults, startCallbackDropper } from '../../test-support/fault-injection';
import { isAlive } from '../../test-support/platform';
import { type RunningPlatform, startLocalPlatform } from '../platform/start';
import type { LocalAgentDriver } from './local-agent-driver';
import { localResultsFile, runLocalControlPlane } from './run-local';

type Platform = 'local' | 'openfaas';

/** What a row does once its agent has written `afterRows` lines. */
interface MidRunFault {
  afterRows: number;
  act: (context: { pid: number; stop: AbortController }) => void;
}

interface FaultRow {
  name: string;
  /** Rows of one lane run one after another on the lane's store (a row's lock check must not see another row's run); lanes run concurrently. */
  lane: number;
  platforms: Platform[];
  /** Calls to function1: a few for faults around the run, many where the fault strikes mid-run. */
  calls: number;
  heartbeatTimeoutMs?: number;
  executionTimeoutMs?: number;
  provisioner?: Partial<Record<Platform, { provision?: FaultHook; teardown?: FaultHook }>>;
  client?: { provision?: FaultHook; startAgent?: FaultHook };
  store?: StoreFaults;
  dropCompletion?: boolean;
  midRun?: MidRunFault;
  expected: {
    execution: 'SUCCEEDED' | 'FAILED' | 'ABORTED' | 'TIMED_OUT';
    runs: Partial<Record<Platform, { status: 'completed' | 'failed'; reason?: RegExp }>>;
    /** The rows never reached the store (it refused them): they must still be in the results file. */
    rowsOnlyInFile?: boolean;
    /** Resources the fault keeps Teardown from removing (the local platforms are stopped at the end all the same). */
    teardownRefused?: ('functions' | 'client')[];
  };
}

const fail = (message: string) => {
  throw new InjectedFaultError(message);
};
const LONG_RUN = 100_000;
const HEARTBEAT_MS = 6000;

const ROWS: FaultRow[] = [
  {
    name: 'provision functions fails',
    lane: 0,
    platforms: ['local'],
    calls: 3,
    provisioner: { local: { provision: () => fail('injected: provision functions') } },
    expected: { execution: 'FAILED', runs: { local: { status: 'failed', reason: /^InjectedFaultError: injected: provision functions$/ } } },
  },
  {
    name: 'provision client fails',
    lane: 1,
    platforms: ['local'],
    calls: 3,
    client: { provision: () => fail('injected: provision client') },
    expected: { execution: 'FAILED', runs: { local: { status: 'failed', reason: /^InjectedFaultError: injected: provision client$/ } } },
  },
  {
    name: 'agent start fails',
    lane: 2,
    platforms: ['local'],
    calls: 3,
    client: { startAgent: () => fail('injected: agent start') },
    expected: { execution: 'FAILED', runs: { local: { status: 'failed', reason: /^InjectedFaultError: injected: agent start$/ } } },
  },
  {
    name: 'agent crashes mid-run (SIGKILL)',
    lane: 0,
    platforms: ['local'],
    calls: LONG_RUN,
    heartbeatTimeoutMs: HEARTBEAT_MS,
    midRun: { afterRows: 20, act: ({ pid }) => process.kill(pid, 'SIGKILL') },
    expected: { execution: 'FAILED', runs: { local: { status: 'failed', reason: /^States\.HeartbeatTimeout: no heartbeat for 6000 ms$/ } } },
  },
  {
    name: 'agent hangs (SIGSTOP)',
    lane: 1,
    platforms: ['local'],
    calls: LONG_RUN,
    heartbeatTimeoutMs: HEARTBEAT_MS,
    midRun: { afterRows: 20, act: ({ pid }) => process.kill(pid, 'SIGSTOP') },
    expected: { execution: 'FAILED', runs: { local: { status: 'failed', reason: /^States\.HeartbeatTimeout: no heartbeat for 6000 ms$/ } } },
  },
  {
    name: 'completion callback lost',
    lane: 2,
    platforms: ['local'],
    calls: 3,
    heartbeatTimeoutMs: HEARTBEAT_MS,
    dropCompletion: true,
    expected: { execution: 'FAILED', runs: { local: { status: 'failed', reason: /^States\.HeartbeatTimeout: no heartbeat for 6000 ms$/ } } },
  },
  {
    name: 'import fails once (store unavailable)',
    lane: 0,
    platforms: ['local'],
    calls: 3,
    store: { importRunResults: (before) => before === 0 && raise(new ResultsStoreUnavailableError('memory://injected', new InjectedFaultError('injected: store unavailable'))) },
    expected: { execution: 'SUCCEEDED', runs: { local: { status: 'completed' } } },
  },
  {
    name: 'import refused every time',
    lane: 1,
    platforms: ['local'],
    calls: 3,
    store: { importRunResults: () => fail('injected: import refused') },
    expected: { execution: 'FAILED', runs: { local: { status: 'failed', reason: /^InjectedFaultError: injected: import refused$/ } }, rowsOnlyInFile: true },
  },
  {
    name: 'teardown fails once (transient)',
    lane: 2,
    platforms: ['local'],
    calls: 3,
    provisioner: { local: { teardown: (before) => before === 0 && raise(new ProvisionTransientError('injected: throttled')) } },
    expected: { execution: 'SUCCEEDED', runs: { local: { status: 'completed' } } },
  },
  {
    name: 'teardown refused every time',
    lane: 3,
    platforms: ['local'],
    calls: 3,
    provisioner: { local: { teardown: () => fail('injected: access denied') } },
    expected: { execution: 'FAILED', runs: { local: { status: 'failed', reason: /^TeardownIncompleteError: functions: injected: access denied$/ } }, teardownRefused: ['functions'] },
  },
  {
    name: 'FinishRun fails',
    lane: 0,
    platforms: ['local'],
    calls: 3,
    store: { setRunStatus: (_before, args) => args[1] === 'completed' && fail('injected: final status refused') },
    expected: { execution: 'FAILED', runs: { local: { status: 'failed', reason: /^the run ended while destroying without recording its end \(FinishRun failed\)$/ } } },
  },
  {
    name: 'one of two Map branches fails',
    lane: 3,
    platforms: ['local', 'openfaas'],
    calls: 3,
    client: { startAgent: (_before, input) => input.run.platform === 'openfaas' && fail('injected: openfaas agent start') },
    expected: { execution: 'FAILED', runs: { local: { status: 'completed' }, openfaas: { status: 'failed', reason: /^InjectedFaultError: injected: openfaas agent start$/ } } },
  },
  {
    name: 'stopped (StopExecution)',
    lane: 3,
    platforms: ['local'],
    calls: LONG_RUN,
    midRun: { afterRows: 20, act: ({ stop }) => stop.abort({ error: 'Matrix', cause: 'stopped by the fault matrix' }) },
    expected: { execution: 'ABORTED', runs: { local: { status: 'failed', reason: /^execution aborted while running \(Matrix: stopped by the fault matrix\); its resources were removed$/ } } },
  },
  {
    name: 'execution times out',
    lane: 3,
    platforms: ['local'],
    calls: LONG_RUN,
    executionTimeoutMs: 8000,
    expected: { execution: 'TIMED_OUT', runs: { local: { status: 'failed', reason: /^execution timed out while running \(States\.Timeout\); its resources were removed$/ } } },
  },
];

/** Throws `error` (for hooks written as expressions). */
function raise(error: Error): never {
  throw error;
}

const CHECKS = ['execution', 'run status + reason', 'rows stored = rows written', 'no process', 'no plan file', 'no lock', 'teardown once each', 'fault struck'] as const;
type Check = (typeof CHECKS)[number];

interface RowOutcome {
  cells: Record<Check, { ok: boolean; detail: string }>;
  wallMs: number;
}

let root: string;
let gateway: RunningPlatform;
const outcomes = new Map<string, RowOutcome>();

/** The complete lines of a results file, by kind (a torn last line is not a row). */
function rowsInFile(file: string): { invocations: number; experimentRows: number } {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return { invocations: 0, experimentRows: 0 };
  }
  const counts = { invocations: 0, experimentRows: 0 };
  for (const line of text.split('\n')) {
    try {
      const row = JSON.parse(line) as { i?: unknown; e?: unknown };
      if (row.i) counts.invocations += 1;
      else if (row.e) counts.experimentRows += 1;
    } catch {
      // Empty or torn.
    }
  }
  return counts;
}

async function runRow(row: FaultRow, realStore: ResultsStore): Promise<RowOutcome> {
  const startedMs = Date.now();
  const workDir = join(root, row.name.replace(/[^a-z0-9]+/gi, '-'));
  mkdirSync(workDir, { recursive: true });
  const ledger = new FaultLedger();
  const stop = new AbortController();
  const dropper = row.dropCompletion ? await startCallbackDropper() : undefined;
  let struck = !row.midRun;
  const watchers: NodeJS.Timeout[] = [];
  ledger.onAgentStarted = (runId, pid) => {
    const fault = row.midRun;
    if (!fault) return;
    const file = localResultsFile(workDir, runId);
    const watcher = setInterval(() => {
      const written = rowsInFile(file);
      if (written.invocations + written.experimentRows < fault.afterRows) return;
      clearInterval(watcher);
      struck = true;
      fault.act({ pid, stop });
    }, 25);
    watchers.push(watcher);
  };
  const hookStruck = (hook: FaultHook | undefined): FaultHook | undefined =>
    hook &&
    ((before, input) => {
      try {
        hook(before, input);
      } catch (error) {
        struck = true;
        throw error;
      }
    });
  const storeHooks = Object.fromEntries(
    Object.entries(row.store ?? {}).map(([method, hook]) => [
      method,
      (before: number, args: unknown[]) => {
        try {
          hook(before, args);
        } catch (error) {
          struck = true;
          throw error;
        }
      },
    ]),
  );
  const wrappedStore: ResultsStore = faultyStore(realStore, storeHooks);
  try {
    const { execution, runs } = await runLocalControlPlane({
      input: { experiment: 'linear-invocation', platforms: row.platforms, params: { functions: ['function1'], callsPerFunction: row.calls }, quick: true },
      store: wrappedStore,
      workDir,
      agentEntry: AGENT_BUNDLE_FILE,
      readinessPollMs: 20,
      retryIntervalMs: 20,
      // An agent stopped or timed out reports a failure its Task no longer waits for: expected here, not printed.
      callbackLogger: { info: () => undefined, warn: () => undefined, error: () => undefined },
      stopSignal: stop.signal,
      ...(row.heartbeatTimeoutMs ? { heartbeatTimeoutMs: row.heartbeatTimeoutMs } : {}),
      ...(row.executionTimeoutMs ? { executionTimeoutMs: row.executionTimeoutMs } : {}),
      openfaas: { gatewayUrl: gateway.url, basicAuth: gateway.credentials },
      decorateDependencies: (built) => {
        const provisioners: Record<string, FunctionProvisioner> = {};
        for (const [platform, inner] of Object.entries(built.provisioners)) {
          const faults = row.provisioner?.[platform as Platform] ?? {};
          provisioners[platform] = meteredProvisioner(inner, ledger, { provision: hookStruck(faults.provision), teardown: hookStruck(faults.teardown) }, { localPlatform: platform === 'local' });
        }
        const driver = meteredClient(built.clients.local as LocalAgentDriver, ledger, {
          provision: hookStruck(row.client?.provision),
          startAgent: hookStruck(row.client?.startAgent),
          ...(dropper ? { plan: (plan) => ({ ...plan, callback: { ...plan.callback, url: dropper.urlFor(plan.callback.url) } }) } : {}),
        });
        const clients: Record<string, ClientDriver> = { local: driver, openfaas: driver };
        return { provisioners, clients, callbacks: built.callbacks };
      },
    });
    if (dropper && dropper.dropped > 0) struck = true;
    return { cells: await judge(row, { execution, runs, store: realStore, ledger, workDir, struck }), wallMs: Date.now() - startedMs };
  } finally {
    for (const watcher of watchers) clearInterval(watcher);
    await dropper?.close();
  }
}

async function judge(
  row: FaultRow,
  seen: { execution: { status: string; error?: string }; runs: RunRow[]; store: ResultsStore; ledger: FaultLedger; workDir: string; struck: boolean },
): Promise<RowOutcome['cells']> {
  const { execution, runs, store, ledger, workDir } = seen;
  const cell = (ok: boolean, detail: string) => ({ ok, detail });
  const cells = {} as RowOutcome['cells'];

  const expectedError = row.expected.execution === 'FAILED' ? 'RunFailed' : undefined;
  cells.execution = cell(execution.status === row.expected.execution && execution.error === expectedError, `${execution.status}${execution.error ? ` ${execution.error}` : ''}`);

  const statusProblems: string[] = [];
  for (const platform of row.platforms) {
    const want = row.expected.runs[platform];
    const run = runs.find((candidate) => candidate.platform === platform);
    if (!want || !run) statusProblems.push(`${platform}: no run`);
    else if (run.status !== want.status || (want.reason ? !want.reason.test(run.reason ?? '') : run.reason)) statusProblems.push(`${platform}: ${run.status} ${run.reason ?? ''}`);
  }
  cells['run status + reason'] = cell(statusProblems.length === 0 && runs.length === row.platforms.length, statusProblems.join('; ') || runs.map((run) => `${run.platform} ${run.status}`).join(', '));

  const rowProblems: string[] = [];
  const rowCounts: string[] = [];
  for (const run of runs) {
    const written = rowsInFile(localResultsFile(workDir, run.id));
    const stored = { invocations: (await store.invocations(run.id)).length, experimentRows: Object.values(await store.experimentRows(run.id)).reduce((sum, rows) => sum + rows.length, 0) };
    rowCounts.push(`${run.platform} ${stored.invocations}+${stored.experimentRows}/${written.invocations}+${written.experimentRows}`);
    if (row.expected.rowsOnlyInFile) {
      if (stored.invocations + stored.experimentRows !== 0 || written.invocations === 0) rowProblems.push(`${run.platform}: expected none stored and the file kept`);
      continue;
    }
    if (stored.invocations !== written.invocations || stored.experimentRows !== written.experimentRows) rowProblems.push(`${run.platform}: stored ${JSON.stringify(stored)} written ${JSON.stringify(written)}`);
    const partial = run.manifest.partial_results as { invocations?: number; experiment_rows?: number } | undefined;
    // Rows kept from a run that never reached CollectResults are marked partial in its manifest.
    const collected = run.status_history.some((change) => change.status === 'collecting');
    const partialWanted = !collected && written.invocations + written.experimentRows > 0;
    if ((partialWanted || partial) && (partial?.invocations !== stored.invocations || partial?.experiment_rows !== stored.experimentRows)) rowProblems.push(`${run.platform}: partial_results ${JSON.stringify(partial)}`);
  }
  cells['rows stored = rows written'] = cell(rowProblems.length === 0, rowProblems.join('; ') || rowCounts.join(', '));

  const alive = [...ledger.agentPids, ...ledger.instancePids].filter(isAlive);
  const answering: string[] = [];
  for (const url of ledger.gatewayUrls) if (await fetch(`${url}/healthz`).then(() => true, () => false)) answering.push(url);
  cells['no process'] = cell(
    alive.length === 0 && answering.length === 0,
    alive.length || answering.length ? `alive: ${alive.join(' ')} ${answering.join(' ')}` : `${ledger.agentPids.size} agent, ${ledger.instancePids.size} instance pids gone`,
  );

  const plans = readdirSync(workDir).filter((file) => file.endsWith('.plan.json'));
  cells['no plan file'] = cell(plans.length === 0, plans.join(' ') || 'none');

  const locked: string[] = [];
  for (const platform of row.platforms) {
    try {
      const probe = await store.createRun({ id: crypto.randomUUID(), experiment: 'linear-invocation', platform, client_platform: platform, params: {}, manifest: {}, execution_id: null }, { exclusive: true });
      await store.setRunStatus(probe.id, 'failed', 'lock probe');
    } catch (error) {
      locked.push(`${platform}: ${(error as Error).name}`);
    }
  }
  cells['no lock'] = cell(locked.length === 0, locked.join('; ') || 'acquirable');

  const teardownProblems: string[] = [];
  for (const run of runs) {
    for (const kind of ['functions', 'client'] as const) {
      const entry = ledger.resource(run.id, kind);
      const refused = row.expected.teardownRefused?.includes(kind) ?? false;
      const wanted = entry.provisioned && !refused ? 1 : 0;
      if (entry.teardownCalls < 1 || entry.teardownsOfLiveResource !== wanted) teardownProblems.push(`${run.platform} ${kind}: ${entry.teardownCalls} calls, ${entry.teardownsOfLiveResource} of a live resource (want ${wanted})`);
      if (refused && !(run.reason ?? '').includes(kind)) teardownProblems.push(`${run.platform} ${kind}: not named in the reason`);
    }
  }
  cells['teardown once each'] = cell(teardownProblems.length === 0, teardownProblems.join('; ') || 'once');
  cells['fault struck'] = cell(seen.struck, seen.struck ? 'yes' : 'the fault never happened');
  return cells;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'fb-fault-matrix-'));
  // The second platform of the Map row: it speaks the OpenFaaS gateway API; the run deploys its per-run functions to it.
  gateway = await startLocalPlatform({ port: 0, deployLabFunctions: false });
  const laneCount = Math.max(...ROWS.map((row) => row.lane)) + 1;
  // One store per lane: opening PGlite costs seconds of CPU, so the rows of a lane share one. A lane starts once its own store is open.
  const stores: ResultsStore[] = [];
  try {
    await Promise.all(
      Array.from({ length: laneCount }, async (_, lane) => {
        const store = await openResultsStore();
        stores.push(store);
        for (const row of ROWS.filter((candidate) => candidate.lane === lane)) {
          try {
            outcomes.set(row.name, await runRow(row, store));
          } catch (error) {
            const detail = `threw ${(error as Error)?.stack ?? String(error)}`;
            outcomes.set(row.name, { wallMs: 0, cells: Object.fromEntries(CHECKS.map((check) => [check, { ok: false, detail }])) as RowOutcome['cells'] });
          }
        }
      }),
    );
  } finally {
    await Promise.all(stores.map((store) => store.close()));
  }
}, 180_000);

afterAll(async () => {
  await gateway?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
  const width = Math.max(...ROWS.map((row) => row.name.length));
  const lines = [`${'fault'.padEnd(width)} | ${CHECKS.join(' | ')} | s`];
  for (const row of ROWS) {
    const outcome = outcomes.get(row.name);
    lines.push(`${row.name.padEnd(width)} | ${CHECKS.map((check) => (outcome?.cells[check].ok ? '✓' : '✗').padEnd(check.length)).join(' | ')} | ${((outcome?.wallMs ?? 0) / 1000).toFixed(1)}`);
  }
  console.log(`The fault matrix (local control plane, real processes):\n${lines.join('\n')}`);
});

describe('the fault matrix', () => {
  it.each(ROWS.map((row) => [row.name]))('%s: every check holds', (name) => {
    const outcome = outcomes.get(name);
    const failed = Object.fromEntries(Object.entries(outcome?.cells ?? {}).filter(([, cell]) => !cell.ok).map(([check, cell]) => [check, cell.detail]));
    expect(outcome).toBeDefined();
    expect(failed).toEqual({});
  });
});
