/**
 * Open-loop load at 2,000 calls/s to the trivial endpoint (bench/invoker-endpoint.ts, its own
 * process), through the agent's whole path — an experiment run by `runExperimentOnTarget`: the
 * open-loop scheduler (lib/experiment/open-loop.ts), the Benchmarker, the timed invoker, and every
 * row appended to a results file, read back and counted. Five pyramid steps of 2,000 calls in a
 * 1 s slot, back to back, after the ramp that leads up to them in a pyramid (500, 1,000 and 1,500
 * calls in 1 s slots, not measured: the connections a step needs are opened as the load grows, as
 * in a real ramp, rather than all in its first milliseconds), in two shapes: (a) one call every
 * 0.5 ms; (b) the pyramid's own batching rule (calls closer than 0.1 s go out in batches: 204 every
 * 0.1 s).
 * Targets for each: schedule error (actual send − planned send) median ≤ 2 ms, p99 ≤ 20 ms, and
 * every call stored. Side by side: autocannon in its fixed-rate mode (`overallRate` 2,000 over 100
 * connections), its sends timed through its clients' `request` event and compared with the same
 * evenly spaced schedule (autocannon paces by a per-connection budget each second, not by time).
 * Loopback only; 5 s per generator (10,000 calls each), the endpoint answers at once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { z } from 'zod';
import { runExperimentOnTarget } from '../client-agent/run/run-on-target';
import { ResultsFileWriter, readResultsFile } from '../lib/agent/results-file';
import { defineExperiment } from '../lib/experiment';
import { epochNowMs, type OpenLoopStep, type OpenLoopStepReport, runOpenLoop } from '../lib/experiment/open-loop';
import { percentileCont } from '../lib/stats/summary';
import { pyramidSteps } from '../experiments/_pyramid-plan';
import { endpointUsage, startEndpoint } from './endpoint-process';

const RATE_PER_SECOND = 2000;
const SECONDS = 5;
const CALLS = RATE_PER_SECOND * SECONDS;
const MEDIAN_TARGET_MS = 2;
const P99_TARGET_MS = 20;
const AUTOCANNON_CONNECTIONS = 100;
/** Window for counting sends: a paced generator sends RATE × window in each. */
const WINDOW_MS = 100;
const ORIGINAL_CONSTANTS = { minSleepSeconds: 0.1, sendOverheadSeconds: 0.0016, baselineSeconds: 0, baselineIntervalSeconds: 1 };

interface Figures {
  name: string;
  sent: number;
  stored: number | null;
  notOk: number;
  /** Actual − planned send, ms. */
  errorsMs: number[];
  /** The scheduler's own lateness (handed to the bench − planned), ms; empty for autocannon. */
  issueLagsMs: number[];
  sendTimes: number[];
  latenciesMs: number[];
  clientCpuUs: number;
  endpointCpuUs: number;
  /** Connections the endpoint accepted meanwhile. */
  connections: number;
  /** Calls of the unmeasured ramp before the measured steps (their rows are stored too). */
  rampCalls: number;
}

/**
 * A ramp and the measured steps after it through the agent's path: the measured steps' figures,
 * and every stored row (the ramp's too) counted from the results file. CPU and connections are
 * over the whole run.
 */
async function throughAgent(url: string, name: string, ramp: OpenLoopStep[], measured: OpenLoopStep[], child: Parameters<typeof endpointUsage>[0]): Promise<Figures> {
  const dir = mkdtempSync(join(tmpdir(), 'fb-bench-open-loop-'));
  const reports: OpenLoopStepReport[] = [];
  const experiment = defineExperiment({
    name: 'bench-open-loop',
    description: 'The open-loop bench.',
    functions: ['bench'],
    params: z.object({}),
    quick: { timeScale: 1, expectedDuration: '5s' },
    async run(bench) {
      await runOpenLoop(bench, [...ramp, ...measured], { drainTimeoutMs: 10_000, onStepSettled: (report) => report.step >= ramp.length && reports.push(report) });
    },
  });
  try {
    const path = join(dir, 'results.ndjson');
    const endpoint0 = await endpointUsage(child);
    const client0 = process.cpuUsage();
    await runExperimentOnTarget({ experiment, params: {}, timeScale: 1, runId: name, target: { platform: 'local', gatewayUrl: url }, writer: new ResultsFileWriter(path) });
    const client = process.cpuUsage(client0);
    const endpoint = await endpointUsage(child);
    const stored = await readResultsFile(path);
    const calls = reports.flatMap((report) => report.calls);
    const sent = calls.filter((call) => call.result.answer.sendAt !== null);
    const rampCalls = ramp.reduce((total, step) => total + step.sends.reduce((calls, send) => calls + (send.calls ?? 1), 0), 0);
    return {
      name,
      sent: sent.length,
      // The ramp's rows are stored too; what is compared with CALLS is the measured steps' share.
      stored: stored.invocations.length - rampCalls,
      rampCalls,
      notOk: stored.invocations.filter((row) => row.status !== 'ok').length,
      errorsMs: sent.map((call) => (call.result.answer.sendAt as number) - call.plannedAt),
      issueLagsMs: calls.map((call) => call.issuedAt - call.plannedAt),
      sendTimes: sent.map((call) => call.result.answer.sendAt as number),
      latenciesMs: calls.map((call) => call.result.latencyMs).filter((ms): ms is number => ms !== null),
      clientCpuUs: client.user + client.system,
      endpointCpuUs: endpoint.cpuUs - endpoint0.cpuUs,
      connections: endpoint.connections - endpoint0.connections,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** autocannon at a fixed overall rate; its sends, timed as each client emits `request`, against an evenly spaced schedule from its first. */
async function throughAutocannon(url: string, child: Parameters<typeof endpointUsage>[0]): Promise<Figures> {
  const sendTimes: number[] = [];
  const endpoint0 = await endpointUsage(child);
  const client0 = process.cpuUsage();
  const result = await autocannon({
    url: `${url}/function/bench`,
    method: 'POST',
    body: '{}',
    headers: { 'content-type': 'application/json' },
    connections: AUTOCANNON_CONNECTIONS,
    overallRate: RATE_PER_SECOND,
    duration: SECONDS,
    setupClient: (client) => {
      (client as NodeJS.EventEmitter).on('request', () => sendTimes.push(epochNowMs()));
    },
  });
  const client = process.cpuUsage(client0);
  const endpoint = await endpointUsage(child);
  sendTimes.sort((a, b) => a - b);
  const first = sendTimes[0] ?? 0;
  return {
    name: `autocannon overallRate ${RATE_PER_SECOND}`,
    sent: sendTimes.length,
    stored: null,
    notOk: result.errors + result.non2xx,
    errorsMs: sendTimes.map((at, i) => at - (first + (i * 1000) / RATE_PER_SECOND)),
    issueLagsMs: [],
    sendTimes,
    latenciesMs: [result.latency.p50, result.latency.p99],
    clientCpuUs: client.user + client.system,
    endpointCpuUs: endpoint.cpuUs - endpoint0.cpuUs,
    connections: endpoint.connections - endpoint0.connections,
    rampCalls: 0,
  };
}

/** Sends per window of WINDOW_MS from the first send: the fewest and the most (a paced generator: RATE × window in each). */
function windowCounts(sendTimes: number[]): { min: number; max: number } {
  if (!sendTimes.length) return { min: 0, max: 0 };
  const first = Math.min(...sendTimes);
  const windows = new Array<number>(Math.floor((Math.max(...sendTimes) - first) / WINDOW_MS) + 1).fill(0);
  for (const at of sendTimes) windows[Math.floor((at - first) / WINDOW_MS)] = (windows[Math.floor((at - first) / WINDOW_MS)] ?? 0) + 1;
  // The last window is cut short by the end of the run.
  const full = windows.length > 1 ? windows.slice(0, -1) : windows;
  return { min: Math.min(...full), max: Math.max(...full) };
}

function describe(figures: Figures, latencies: 'each' | 'p50,p99'): string[] {
  const ms = (value: number) => `${value.toFixed(2)} ms`;
  const median = percentileCont(figures.errorsMs, 0.5);
  const p99 = percentileCont(figures.errorsMs, 0.99);
  const max = figures.errorsMs.reduce((a, b) => Math.max(a, b), Number.NEGATIVE_INFINITY);
  const min = figures.errorsMs.reduce((a, b) => Math.min(a, b), Number.POSITIVE_INFINITY);
  const windows = windowCounts(figures.sendTimes);
  const [p50Latency, p99Latency] = latencies === 'each' ? [percentileCont(figures.latenciesMs, 0.5), percentileCont(figures.latenciesMs, 0.99)] : figures.latenciesMs;
  return [
    `  ${figures.name}`,
    `    sent ${figures.sent} of ${CALLS}${figures.stored === null ? '' : `, stored ${figures.stored}`}, not ok ${figures.notOk}; sends per ${WINDOW_MS} ms: ${windows.min}–${windows.max} (paced: ${(RATE_PER_SECOND * WINDOW_MS) / 1000})`,
    `    schedule error median ${ms(median)}, p99 ${ms(p99)}, max ${ms(max)}, min ${ms(min)}${figures.issueLagsMs.length ? ` (of which the scheduler's own lateness: median ${ms(percentileCont(figures.issueLagsMs, 0.5))}, p99 ${ms(percentileCont(figures.issueLagsMs, 0.99))})` : ''}`,
    `    round trip p50 ${ms(p50Latency ?? Number.NaN)}, p99 ${ms(p99Latency ?? Number.NaN)}`,
    `    client CPU ${(figures.clientCpuUs / Math.max(1, figures.sent + figures.rampCalls)).toFixed(1)} µs/call, endpoint CPU ${(figures.endpointCpuUs / Math.max(1, figures.sent + figures.rampCalls)).toFixed(1)} µs/call; ${figures.connections} connections opened${figures.rampCalls ? ` (over the ramp's ${figures.rampCalls} calls too)` : ''}`,
  ];
}

function verdict(figures: Figures): string {
  const median = percentileCont(figures.errorsMs, 0.5);
  const p99 = percentileCont(figures.errorsMs, 0.99);
  const stored = figures.stored === CALLS && figures.notOk === 0;
  const met = median <= MEDIAN_TARGET_MS && p99 <= P99_TARGET_MS && stored;
  return `    targets (median ≤ ${MEDIAN_TARGET_MS} ms, p99 ≤ ${P99_TARGET_MS} ms, all ${CALLS} stored ok) → ${met ? 'met' : 'NOT met'}`;
}

export async function run(): Promise<void> {
  const { child, url } = await startEndpoint();
  try {
    // (a) A ramp of 1 s slots at 500, 1,000 and 1,500 calls, then SECONDS slots of RATE calls, one call at a time.
    const evenly = (calls: number): OpenLoopStep => ({ durationMs: 1000, sends: Array.from({ length: calls }, (_, i) => ({ offsetMs: (i * 1000) / calls, functionName: 'bench' })) });
    const rampRates = [RATE_PER_SECOND / 4, RATE_PER_SECOND / 2, (RATE_PER_SECOND * 3) / 4];
    const peak = evenly(RATE_PER_SECOND);
    // (b) The same steps as the pyramid builds them: calls would be under 0.1 s apart, so they go in batches.
    const pyramid = pyramidSteps({ functions: ['bench'], increment: RATE_PER_SECOND / 4, peak: RATE_PER_SECOND, rampTimeSeconds: 4 }, ORIGINAL_CONSTANTS, {}).filter((step) => step.phase === 'ramp_up');
    const batch = pyramid[pyramid.length - 1];
    if (!batch || batch.invocations !== RATE_PER_SECOND) throw new Error('the pyramid plan has no step at the rate');
    console.log(`open loop at ${RATE_PER_SECOND} calls/s for ${SECONDS} s to a trivial endpoint in its own process, after a ramp of ${rampRates.join(', ')} calls/s (1 s each, stored, not measured):`);
    const ours = await throughAgent(url, 'open-loop scheduler, one call every 0.5 ms (Benchmarker, results file)', rampRates.map(evenly), Array.from({ length: SECONDS }, () => peak), child);
    for (const line of [...describe(ours, 'each'), verdict(ours)]) console.log(line);
    const oursBatched = await throughAgent(url, `open-loop scheduler, the pyramid's batches (${batch.batchSize} calls every ${(batch.sendIntervalSeconds * 1000).toFixed(1)} ms)`, pyramid.slice(0, -1), Array.from({ length: SECONDS }, () => batch), child);
    for (const line of [...describe(oursBatched, 'each'), verdict(oursBatched)]) console.log(line);
    const cannon = await throughAutocannon(url, child);
    for (const line of describe(cannon, 'p50,p99')) console.log(line);
  } finally {
    child.kill();
  }
}
