/**
 * The checks of `dev-experiment`: one per Benchmarker feature, each calling the feature and
 * judging what came back against what the feature promises (lib/experiment/bench.ts and the lab
 * functions' contract, lab-functions/README.md). A check answers `ok`, `failed` with what was
 * wrong, or `skipped` with why the platform could not show the feature; it never throws.
 */
import type { InvocationRecord } from '../lab-functions/core/records';
import { FEATURE_NAMES } from '../lab-functions/core/monolith/catalog';
import type { LabFunctionName } from '../lab-functions/names';
import { type ExperimentBench, type InvocationResult, sendToStartLatency } from '../lib/experiment';

/** What the checks are run with (dev-experiment's parameters). */
export interface DevCheckSettings {
  function: LabFunctionName;
  sleepSeconds: number;
  throughputTimeSeconds: number;
  concurrencies: readonly number[];
  concurrentSleepSeconds: number;
  matrixSize: number;
  throttleFunction: LabFunctionName;
  throttleConcurrency: number;
  throttleSleepSeconds: number;
  requireThrottled: boolean;
  sleepCheckMs: number;
}

export type DevCheckOutcome = { outcome: 'ok'; detail: string } | { outcome: 'failed'; detail: string } | { outcome: 'skipped'; detail: string };

/** A check of one feature; `seen` collects the single calls made so far, for the clock check. */
type DevCheck = (bench: ExperimentBench, settings: DevCheckSettings, seen: InvocationResult[]) => Promise<DevCheckOutcome>;

/** Thrown by a check's body when something is not as promised; becomes its `failed` outcome. */
class Unexpected extends Error {}

/** Fail the check with `what` unless `condition` holds. */
function expect(condition: boolean, what: string): asserts condition {
  if (!condition) throw new Unexpected(what);
}

const ok = (detail: string): DevCheckOutcome => ({ outcome: 'ok', detail });
/** Milliseconds allowed for two clocks read around the same moment (sub-millisecond timers, rounding). */
const CLOCK_SLACK_MS = 1;

/** An ok answer with its root record; anything else fails the check, saying what came. */
function answered(result: InvocationResult, what: string): InvocationRecord {
  expect(result.status === 'ok' && result.root !== undefined, `${what}: ${result.status}${result.errorType ? ` ${result.errorType}` : ''}${result.errorMessage ? `: ${result.errorMessage}` : ''}`);
  return result.root;
}

const invoke: DevCheck = async (bench, settings, seen) => {
  const plain = await bench.invoke(settings.function);
  seen.push(plain);
  const root = answered(plain, 'a plain call');
  expect(plain.httpStatus === 200, `a plain call answered HTTP ${plain.httpStatus}`);
  expect(root.function_name === settings.function && root.level === 0 && root.parent === 'root', `the root record is ${root.function_name} at level ${root.level} under ${root.parent}`);
  expect(plain.records.length === 1, `a plain call came back with ${plain.records.length} records`);
  expect(plain.latencyMs !== null && plain.latencyMs > 0, `a plain call's round trip is ${plain.latencyMs}`);

  const slept = await bench.invoke(settings.function, { sleep: settings.sleepSeconds });
  seen.push(slept);
  const sleeper = answered(slept, 'a call that sleeps');
  const sleptMs = sleeper.execution_end - sleeper.execution_start;
  expect(sleeper.sleep === settings.sleepSeconds, `the record echoes sleep ${sleeper.sleep}, not ${settings.sleepSeconds}`);
  expect(sleptMs >= settings.sleepSeconds * 1000 - CLOCK_SLACK_MS, `a ${settings.sleepSeconds} s sleep ran ${sleptMs} ms`);
  expect(slept.latencyMs !== null && slept.latencyMs >= sleptMs - CLOCK_SLACK_MS, `the round trip (${slept.latencyMs} ms) is shorter than the execution it contains (${sleptMs} ms)`);

  const busy = await bench.invoke(settings.function, { throughput_time: settings.throughputTimeSeconds });
  seen.push(busy);
  const worker = answered(busy, 'a call with throughput work');
  expect((worker.throughput_ops ?? 0) > 0, `throughput work did ${worker.throughput_ops} operations`);
  expect((worker.throughput_wall_time_ms ?? 0) >= settings.throughputTimeSeconds * 1000 - CLOCK_SLACK_MS, `${settings.throughputTimeSeconds} s of throughput work took ${worker.throughput_wall_time_ms} ms`);
  return ok(`plain, sleep ${settings.sleepSeconds} s and throughput ${settings.throughputTimeSeconds} s calls answered as asked`);
};

const invokeConcurrently: DevCheck = async (bench, settings) => {
  for (const n of settings.concurrencies) {
    const results = await bench.invokeConcurrently(settings.function, n, { sleep: settings.concurrentSleepSeconds });
    expect(results.length === n, `${n} concurrent calls came back as ${results.length} results`);
    const roots = results.map((result, index) => answered(result, `concurrent call ${index + 1} of ${n}`));
    expect(new Set(roots.map((root) => root.identifier)).size === n, `${n} concurrent calls share record identifiers`);
    if (n > 1) {
      // Released together: every request was sent before the first answer came back.
      const lastSend = Math.max(...results.map((result) => result.answer.sendAt ?? Number.POSITIVE_INFINITY));
      const firstEnd = Math.min(...results.map((result) => result.answer.endAt ?? Number.NEGATIVE_INFINITY));
      expect(lastSend < firstEnd, `of ${n} concurrent calls, one was sent ${(lastSend - firstEnd).toFixed(1)} ms after another had been answered`);
    }
  }
  return ok(`batches of ${settings.concurrencies.join(', ')} were sent together and all answered`);
};

const nested: DevCheck = async (bench) => {
  // function1 → function2 → (function3, monolith): one level, then two siblings at level 2.
  const payload = {
    invoke_nested: [
      {
        function_name: 'function2',
        invoke_payload: { invoke_nested: [{ function_name: 'function3', invoke_payload: {} }, { function_name: 'monolith', invoke_payload: {} }] },
      },
    ],
  };
  const result = await bench.invoke('function1', payload);
  const root = answered(result, 'a nested call');
  expect(result.records.length === 4, `a tree of four calls came back with ${result.records.length} records`);
  const records = result.records as InvocationRecord[];
  const byId = new Map(records.map((record) => [record.identifier, record]));
  const levels = records.map((record) => `${record.function_name}@${record.level}`).sort();
  expect(levels.join(',') === 'function1@0,function2@1,function3@2,monolith@2', `the tree is ${levels.join(', ')}`);
  for (const record of records) {
    expect(record.error === undefined, `${record.function_name} answered an error: ${record.error?.type}`);
    if (record === root) continue;
    const parent = byId.get(record.parent);
    expect(parent !== undefined && parent.level === record.level - 1, `${record.function_name}'s parent ${record.parent} is not the record one level up`);
    expect(typeof record.invocation_start === 'number' && typeof record.invocation_end === 'number' && record.invocation_start <= record.invocation_end, `${record.function_name} lacks its caller's timing`);
    expect(record.http_status === 200, `${record.function_name}'s caller saw HTTP ${record.http_status}`);
  }
  return ok('function1 → function2 → (function3, monolith): four records, each under its caller, timed by it');
};

const monolith: DevCheck = async (bench, settings) => {
  const matrix = answered(await bench.invoke('monolith', { run_function: 'matrix_mult', args: settings.matrixSize, seed: 1 }), 'monolith matrix_mult');
  expect(matrix.function_called === 'matrix_mult' && matrix.function_argument === settings.matrixSize, `monolith ran ${matrix.function_called}(${matrix.function_argument})`);
  expect(typeof matrix.matrix_wall_time_ms === 'number' && matrix.matrix_wall_time_ms > 0 && typeof matrix.matrix_cpu_time_ms === 'number', 'matrix_mult reported no timings');
  expect(typeof matrix.monolith_result === 'string' && matrix.monolith_result.length <= 100, 'matrix_mult reported no result of at most 100 characters');
  const random = answered(await bench.invoke('monolith', { run_function: 'random', seed: 7 }), 'monolith random');
  expect((FEATURE_NAMES as readonly string[]).includes(random.function_called ?? ''), `random ran ${random.function_called}, not one of the 20 features`);
  return ok(`matrix_mult(${settings.matrixSize}) and random (${random.function_called}) ran with their results`);
};

const errorAnswer: DevCheck = async (bench, settings) => {
  const refused = await bench.invoke(settings.function, { sleep: -1 });
  expect(refused.status === 'error', `an invalid input was answered ${refused.status}`);
  expect(refused.httpStatus === 400 && refused.errorType === 'InvalidInputError', `an invalid input was answered HTTP ${refused.httpStatus} ${refused.errorType}`);
  expect(refused.root === undefined && (refused.errorMessage ?? '').includes('sleep'), `the refusal does not name the field: ${refused.errorMessage}`);
  return ok(`sleep -1 was refused: HTTP 400 InvalidInputError (${refused.errorMessage})`);
};

const throttled: DevCheck = async (bench, settings) => {
  const n = settings.throttleConcurrency;
  const results = await bench.invokeConcurrently(settings.throttleFunction, n, { sleep: settings.throttleSleepSeconds });
  const refused = results.filter((result) => result.status === 'throttled');
  const served = results.filter((result) => result.status === 'ok' && result.root);
  expect(refused.length + served.length === n, `of ${n} calls ${n - refused.length - served.length} were neither served nor throttled (${results.map((result) => result.status).join(', ')})`);
  for (const result of refused) {
    expect(result.root === undefined && result.records.length === 0, 'a throttled answer carried records');
    expect(result.errorType !== undefined && result.httpStatus !== null, `a throttled answer has no reason (HTTP ${result.httpStatus}, ${result.errorType})`);
  }
  if (!refused.length) {
    expect(!settings.requireThrottled, `none of ${n} concurrent calls to ${settings.throttleFunction} was throttled, though the run required it`);
    return { outcome: 'skipped', detail: `the platform refused none of ${n} concurrent calls (requireThrottled off)` };
  }
  return ok(`${refused.length} of ${n} concurrent calls throttled (HTTP ${refused[0]?.httpStatus} ${refused[0]?.errorType}), ${served.length} served`);
};

const forceCold: DevCheck = async (bench, settings) => {
  const before = answered(await bench.invoke(settings.function), 'the call before forceCold');
  try {
    await bench.forceCold(settings.function);
  } catch (error) {
    if (error instanceof Error && error.name === 'ForceColdUnsupportedError') return { outcome: 'skipped', detail: `this platform cannot force a cold start: ${error.message}` };
    throw error;
  }
  const after = answered(await bench.invoke(settings.function), 'the call after forceCold');
  expect(after.cold, `the call after forceCold was warm on ${after.instance_identifier}`);
  expect(after.instance_identifier !== before.instance_identifier, `the call after forceCold landed on the same instance ${after.instance_identifier}`);
  return ok(`the next call was cold on a new instance (${after.instance_identifier})`);
};

const sleep: DevCheck = async (bench, settings) => {
  const expectedMs = settings.sleepCheckMs * bench.timeScale;
  const started = performance.now();
  await bench.sleep(settings.sleepCheckMs);
  const sleptMs = performance.now() - started;
  // Timers never fire early. Late by two seconds, or by the sleep's own length, is not load: it is
  // a sleep that ignored the time scale (unscaled, a quick run's 100 ms would be 10 s).
  expect(sleptMs >= expectedMs - CLOCK_SLACK_MS, `sleep(${settings.sleepCheckMs}) ended after ${sleptMs.toFixed(1)} ms, before ${expectedMs} ms`);
  expect(sleptMs <= expectedMs + Math.max(2000, expectedMs), `sleep(${settings.sleepCheckMs}) took ${sleptMs.toFixed(1)} ms for ${expectedMs} ms`);
  return ok(`${settings.sleepCheckMs} ms of experiment time slept ${sleptMs.toFixed(1)} ms at time scale ${bench.timeScale}`);
};

const clockOffset: DevCheck = async (bench, _settings, seen) => {
  const clock = bench.clockOffset;
  expect(clock !== undefined, 'no clock offset after answered calls');
  expect(Number.isFinite(clock.offsetMs) && Number.isFinite(clock.errorMs) && clock.errorMs >= 0 && clock.samples >= seen.length, `the estimate is ${JSON.stringify(clock)}`);
  // Corrected, each call started inside its own round trip, to within the bound.
  for (const result of seen) {
    const latency = sendToStartLatency(result, clock);
    expect(latency !== null && result.latencyMs !== null, 'a call lacks the times to correct');
    const bound = clock.errorMs + CLOCK_SLACK_MS;
    expect(latency.latencyMs >= -bound && latency.latencyMs <= result.latencyMs + bound, `a call started ${latency.latencyMs.toFixed(2)} ms after its send, outside its ${result.latencyMs.toFixed(2)} ms round trip ± ${bound.toFixed(2)} ms`);
  }
  return ok(`offset ${clock.offsetMs.toFixed(2)} ± ${clock.errorMs.toFixed(2)} ms from ${clock.samples} calls; every corrected start inside its round trip`);
};

const record: DevCheck = async (bench) => {
  bench.record('dev_record_check', { written_at_ms: Date.now(), note: 'a row of the record check' });
  let refused = false;
  try {
    bench.record('Not A Table', {});
  } catch {
    refused = true;
  }
  expect(refused, 'a table name that is not snake_case was accepted');
  return ok('a row was queued under dev_record_check; a bad table name was refused');
};

const log: DevCheck = async (bench) => {
  bench.log('dev-experiment log check:', { feature: 'log', parts: 2 });
  return ok('a line with a string and an object was logged');
};

const result: DevCheck = async (bench) => {
  let refused = false;
  try {
    bench.result({ metric: 'Not Snake Case', value: 1, unit: 'x', sentence: 'refused' });
  } catch (error) {
    refused = error instanceof Error && error.name === 'InvalidExperimentResultError';
  }
  expect(refused, 'an invalid result was not refused with InvalidExperimentResultError');
  return ok('an invalid result was refused; the run reports its own at the end');
};

/** Every check, by the feature it covers, in the order run (clockOffset after the calls it judges). */
export const DEV_CHECKS: readonly (readonly [feature: string, check: DevCheck])[] = [
  ['invoke', invoke],
  ['invokeConcurrently', invokeConcurrently],
  ['nested', nested],
  ['monolith', monolith],
  ['error', errorAnswer],
  ['throttled', throttled],
  ['forceCold', forceCold],
  ['sleep', sleep],
  ['clockOffset', clockOffset],
  ['record', record],
  ['log', log],
  ['result', result],
];

/** Run one check; an exception (the feature's own, or a failed expectation) is its `failed` outcome. */
export async function runDevCheck(check: DevCheck, bench: ExperimentBench, settings: DevCheckSettings, seen: InvocationResult[]): Promise<DevCheckOutcome> {
  try {
    return await check(bench, settings, seen);
  } catch (error) {
    if (error instanceof Unexpected) return { outcome: 'failed', detail: error.message };
    return { outcome: 'failed', detail: `threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}` };
  }
}
