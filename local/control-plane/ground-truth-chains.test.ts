/**
 * Ground truth for the chain experiments on the local platform:
 * - weakest-link attributes a chain's time to the hop the test made cold, and its cold flags are
 *   the platform's own instance starts — first with the test scaling exactly one function of a
 *   warm chain to zero right before each chain call, then end to end through the control plane
 *   with every link forced cold and the pre-warm levels deciding which start cold;
 * - linear-invocation-nested stores the nested (level-1) latency of every call of every pair, as
 *   many as the platform served, each equal to what the stored invocation records say.
 *
 * The single-cold-hop case runs the experiment in this process, through the same client code the
 * agent runs (`runExperimentOnTarget`), because the test has to act between the pre-warm calls
 * and the chain call: the experiment's bench is wrapped so that each chain call is preceded by the
 * test's scale-to-zero of its chosen function, through the gateway's scale route with the
 * platform's credential. The control-plane runs reach their platform by wrapping
 * `startLocalPlatform`, as ground-truth-lifetime does.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runExperimentOnTarget } from '../../client-agent/run/run-on-target';
import weakestLink from '../../experiments/weakest-link';
import type { RunInput } from '../../lib/control-plane/run-input';
import type { Experiment } from '../../lib/experiment/define';
import type { ExperimentBench } from '../../lib/experiment';
import { openResultsStore } from '../../lib/results/open-store';
import type { ResultsStore } from '../../lib/results/store';
import type { RunRow } from '../../lib/results/types';
import { MemoryWriter } from '../../test-support/fake-invoker';
import { getJson, startTestPlatform } from '../../test-support/platform';
import type { PlatformEvent } from '../platform/events';
import type { RunningPlatform } from '../platform/start';
import { runLocalControlPlane } from './run-local';

const startedPlatforms = vi.hoisted(() => [] as RunningPlatform[]);

vi.mock('../platform/start', async (importOriginal) => {
  const original = await importOriginal<typeof import('../platform/start')>();
  return {
    ...original,
    startLocalPlatform: async (options: Parameters<typeof original.startLocalPlatform>[0]) => {
      const running = await original.startLocalPlatform(options);
      startedPlatforms.push(running);
      return running;
    },
  };
});

type Row = Record<string, unknown>;
const CHAIN = ['function1', 'function2', 'function3', 'monolith'] as const;

let dataDir: string;
let store: ResultsStore;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'fb-ground-truth-chains-'));
  store = await openResultsStore({ dataDir: join(dataDir, 'pglite') });
});

afterAll(async () => {
  await store?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The platform's id of an instance from a lab function's `instance_identifier` (`<platform id>:<init uuid>`). */
const platformId = (instanceIdentifier: unknown) => String(instanceIdentifier).split(':')[0] as string;
const ofType = (events: PlatformEvent[], type: PlatformEvent['type']) => events.filter((event) => event.type === type);

/** One `fb run <experiment> --quick` on the local platform: the run as stored, its rows, and its platform. */
async function runQuick(input: Omit<RunInput, 'platforms' | 'quick'>) {
  const before = startedPlatforms.length;
  const { execution, runs } = await runLocalControlPlane({ input: { ...input, platforms: ['local'], quick: true }, store, workDir: join(dataDir, 'runs'), readinessPollMs: 20 });
  const run = runs[0] as RunRow;
  if (!run) throw new Error(`no run stored: ${JSON.stringify(execution)}`);
  expect(run.status, run.reason ?? '').toBe('completed');
  expect(startedPlatforms.length).toBe(before + 1);
  return { run, rows: await store.experimentRows(run.id), platform: startedPlatforms[before] as RunningPlatform };
}

/**
 * The experiment's bench, except that before each chain call (a call whose payload nests others)
 * the next function of `coldInTurn` is scaled to zero through the gateway: that call then finds
 * exactly that function cold.
 */
function coldBeforeEachChainCall(bench: ExperimentBench, platform: RunningPlatform, coldInTurn: readonly string[]): ExperimentBench {
  let chainCalls = 0;
  const invoke: ExperimentBench['invoke'] = async (functionName, payload) => {
    if (typeof payload === 'object' && payload !== null && 'invoke_nested' in payload) {
      const target = coldInTurn[chainCalls++];
      if (!target) throw new Error('more chain calls than functions to make cold');
      const scaled = await getJson(platform, `/system/scale-function/${target}`, { method: 'POST', body: JSON.stringify({ replicas: 0 }) });
      expect(scaled.status).toBe(202);
    }
    return bench.invoke(functionName, payload);
  };
  return new Proxy(bench, {
    get: (target, property) => {
      if (property === 'invoke') return invoke;
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

describe('Ground truth on the local platform: weakest-link', () => {
  it('attributes a chain call to the one hop the test made cold, the root, a middle hop or the last', async () => {
    // A warm hop's own time is 50 ms of work and a few ms of calls; a cold one adds a process start
    // and the init delay of 600 ms, so it dominates whatever the load on the machine.
    const initDelayMs = 600;
    const platform = await startTestPlatform({ profile: 'lambda', idleTimeoutMs: 600_000, initDelayMs });
    const coldInTurn = ['function2', 'monolith', 'function1'];
    const params = weakestLink.params.parse({ prewarmLevels: [4], reversedPrewarmLevels: [], iterations: coldInTurn.length, hopThroughputTimeSeconds: 0.05, coldTimeSeconds: 1 });
    const experiment = { ...weakestLink, run: (bench: ExperimentBench, resolved: typeof params) => weakestLink.run(coldBeforeEachChainCall(bench, platform, coldInTurn), resolved) } as unknown as Experiment;
    const writer = new MemoryWriter();
    const outcome = await runExperimentOnTarget({
      experiment,
      params,
      timeScale: 0.01,
      runId: 'ground-truth-chains',
      target: { platform: 'local', gatewayUrl: platform.url, basicAuth: platform.credentials },
      writer,
    });
    const rows = (table: string) => writer.experimentRows.filter((row) => row.table_name === table).map((row) => row.data as Row);
    const hops = rows('weakest_link');
    expect(hops).toHaveLength(coldInTurn.length * CHAIN.length);
    expect(hops.every((row) => row.status === 'ok' && row.chain_complete === true && row.prewarmed === true)).toBe(true);

    const events = platform.platform.events.since(0);
    const started = ofType(events, 'instance-started');
    // The pre-warm started one instance of each function; after that, only the functions the test scaled to zero started again, in turn.
    expect(started.map((event) => event.function)).toEqual([...CHAIN, ...coldInTurn]);
    expect(ofType(events, 'instance-evicted').map((event) => [event.function, event.reason])).toEqual(coldInTurn.map((name) => [name, 'scaled-down']));

    for (const [iteration, target] of coldInTurn.entries()) {
      const call = hops.filter((row) => row.iteration === iteration);
      expect(call.map((row) => row.function_name)).toEqual([...CHAIN]);
      // Cold is the hop the test made cold and no other, as the function itself reported it ...
      expect(call.map((row) => [row.function_name, row.cold])).toEqual(CHAIN.map((name) => [name, name === target]));
      // ... on the instance the platform started for it after scaling it to zero.
      const coldHop = call.find((row) => row.function_name === target) as Row;
      const restart = started[CHAIN.length + iteration] as PlatformEvent;
      expect(platformId(coldHop.instance_identifier)).toBe(restart.instance);
      // Its caller waited for the instance to start: at least the init delay, before it ran.
      expect(coldHop.start_latency_ms as number).toBeGreaterThanOrEqual(initDelayMs);
      // And the chain's time is attributed to it.
      expect(call.filter((row) => row.dominant === true).map((row) => row.function_name)).toEqual([target]);
      expect(coldHop.own_time_ms as number).toBeGreaterThan(initDelayMs);
      expect(coldHop.own_share as number).toBeGreaterThan(0.5);
      const ownTotal = call.reduce((total, row) => total + (row.own_time_ms as number), 0);
      expect(Math.abs(ownTotal - (call[0]?.chain_round_trip_ms as number))).toBeLessThan(0.1);
    }

    const summary = rows('weakest_link_summary');
    expect(summary.map((row) => [row.function_name, row.cold_calls, row.dominant_calls])).toEqual([
      ['function1', 1, 1],
      ['function2', 1, 1],
      ['function3', 0, 0],
      ['monolith', 1, 1],
    ]);
    expect(outcome.result).toMatchObject({ metric: 'weakest_link_share', unit: 'fraction' });
  }, 60_000);

  it('with every link forced cold, the pre-warm levels decide which hops start cold, as the platform started them (end to end)', async () => {
    // An idle timeout far beyond the run: only the forced cold starts can make a hop cold.
    const { run, rows, platform } = await runQuick({
      experiment: 'weakest-link',
      params: { iterations: 1, prewarmLevels: [2, 4], reversedPrewarmLevels: [1], forceCold: true, hopThroughputTimeSeconds: 0.05 },
      platformOptions: { idleTimeoutMs: 600_000 },
    });
    const hops = rows.weakest_link ?? [];
    expect(hops).toHaveLength(3 * CHAIN.length);
    expect(hops.every((row) => row.status === 'ok')).toBe(true);
    // Level k warmed the chain's first k functions (the original warmed only the root, so at its
    // level 2 function2 started cold) and nothing else.
    expect(hops.map((row) => [row.direction, row.prewarm_level, row.function_name, row.cold])).toEqual([
      ...[2, 4].flatMap((level) => CHAIN.map((name, hop) => ['forward', level, name, hop >= level])),
      ...[...CHAIN].reverse().map((name, hop) => ['reversed', 1, name, hop >= 1]),
    ]);
    // Every link was scaled to zero before each iteration and started once in it, at its pre-warm call or in the chain.
    const events = platform.platform.events.since(0);
    for (const name of CHAIN) {
      expect(ofType(events, 'instance-started').filter((event) => event.function === name)).toHaveLength(3);
      expect(ofType(events, 'instance-evicted').filter((event) => event.function === name && event.reason !== 'shutdown').every((event) => event.reason === 'scaled-down')).toBe(true);
    }
    // Each chain call's instances are the ones the platform started for it, the cold hops' new.
    const instancesStarted = new Set(ofType(events, 'instance-started').map((event) => event.instance));
    expect(hops.every((row) => instancesStarted.has(platformId(row.instance_identifier)))).toBe(true);
    expect(run.manifest.forced_cold).toEqual({ forced: 3 * CHAIN.length, mismatches: 0 });
    expect(run.result?.sentence).toMatch(/level 2: .*; level 4: .*; reversed, level 1: /);
  }, 60_000);
});

describe('Ground truth on the local platform: linear-invocation-nested', () => {
  it('stores the nested latency of every call of every pair, as many as the platform served, each as the stored records say', async () => {
    const callsPerFunction = 8;
    const { run, rows, platform } = await runQuick({ experiment: 'linear-invocation-nested', params: { callsPerFunction, coldTimeSeconds: 1200 } });
    const pairs = CHAIN.map((name, index) => [name, CHAIN[(index + 1) % CHAIN.length]]);
    const calls = rows.linear_invocation_nested ?? [];
    expect(calls.map((row) => [row.function_name, row.nested_function_name])).toEqual(pairs.flatMap((pair) => Array.from({ length: callsPerFunction }, () => pair)));

    // As many calls as the platform served: each function was called directly and by the function before it.
    for (const name of CHAIN) expect(platform.platform.status(name).invocationCount).toBe(2 * callsPerFunction);
    // And as many nested records as stored invocations of level 1, each row's latency equal to its record's.
    const nestedRecords = new Map((await store.invocations(run.id)).filter((row) => row.level === 1).map((row) => [row.identifier, row]));
    expect(nestedRecords.size).toBe(calls.length);
    for (const row of calls) {
      expect(row).toMatchObject({ status: 'ok', nested_status: 'ok' });
      const record = nestedRecords.get(row.nested_invocation_identifier as string);
      expect(record?.function_name).toBe(row.nested_function_name);
      expect(row.nested_latency_ms as number).toBeCloseTo((record?.execution_start as number) - (record?.invocation_start as number), 1);
      expect(row.nested_round_trip_ms as number).toBeCloseTo((record?.invocation_end as number) - (record?.invocation_start as number), 1);
    }

    // One cold time before each pair: the pair's first call found both functions cold and the
    // rest warm, and the platform started each function exactly twice, after evicting it for idleness.
    expect(calls.map((row) => [row.cold, row.nested_cold])).toEqual(pairs.flatMap(() => Array.from({ length: callsPerFunction }, (_, call) => [call === 0, call === 0])));
    const events = platform.platform.events.since(0);
    for (const name of CHAIN) {
      expect(ofType(events, 'instance-started').filter((event) => event.function === name)).toHaveLength(2);
      const evictedBeforeLast = ofType(events, 'instance-evicted').filter((event) => event.function === name && event.reason !== 'shutdown');
      expect(evictedBeforeLast.map((event) => event.reason)).toContain('idle-timeout');
    }

    const summary = rows.linear_invocation_nested_summary ?? [];
    expect(summary.map((row) => [row.function_name, row.nested_function_name, row.calls, row.ok_calls, row.nested_cold_calls])).toEqual(pairs.map((pair) => [...pair, callsPerFunction, callsPerFunction, 1]));
    expect(run.result).toMatchObject({ metric: 'nested_latency_median', unit: 'ms' });
    expect(run.result?.sentence).toContain(`over ${4 * (callsPerFunction - 1)} calls`);
  }, 60_000);
});
