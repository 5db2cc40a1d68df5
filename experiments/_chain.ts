/**
 * Call chains for weakest-link and basic-weakest-link: the nested payload that makes the client's
 * call to chain[0] run chain[0] → chain[1] → … → chain[n−1] inside the platform, and the split of
 * one chain call's time over its hops.
 *
 * Each hop is timed by its caller: the root by the client (its round trip), every nested hop by
 * the function that called it (`invocation_start/end` on that function's clock). A hop's own time
 * is its round trip minus the round trip of the hop it called, so the hops' own times add up to the
 * client's round trip of the whole chain, and the hop whose own time is largest is the chain's
 * weakest link.
 */
import type { AnyRecord, InvocationRecord } from '../lab-functions/core/records';
import { type ClockOffset, type InvocationResult, sendToStartLatency } from '../lib/experiment';
import type { InvocationStatus } from '../lib/results/types';

/** A run's chain calls kept failing: the platform or the chain is broken, not one call. */
export class ChainCallFailedError extends Error {
  override name = 'ChainCallFailedError';
}

/** Failed chain calls in a row that end a run (the original's wrapper gave up after five tries). */
export const MAX_FAILED_CHAINS_IN_A_ROW = 5;

/** A hop's outcome: the call's, or `missing` when the chain broke before reaching it. */
export type HopStatus = InvocationStatus | 'missing';

/** One hop of one chain call, as its caller timed it and as the function reported itself. */
export interface Hop {
  /** Its place in the chain, 0 for the root: also its record's `level`. */
  hop: number;
  functionName: string;
  /** The function that called it; null for the root, which the client called. */
  callerFunctionName: string | null;
  status: HopStatus;
  /** The function's own `cold` flag (first call its instance served). */
  cold: boolean | null;
  instanceIdentifier: string | null;
  identifier: string | null;
  /** The caller's round trip of this call: the client's for the root, the calling function's for a nested hop. */
  roundTripMs: number | null;
  /**
   * Caller's send → this function's start. For the root the client's clock against the
   * function's, corrected by the run's clock offset; for a nested hop the caller's clock against
   * the callee's, uncorrected (two instances of one platform, assumed to share a clock).
   */
  startLatencyMs: number | null;
  /** The root's clock-offset bound; null for nested hops, whose clocks are not compared. */
  startLatencyErrorMs: number | null;
  /** execution_end − execution_start, on the function's own clock. */
  durationMs: number | null;
  /** Round trip minus the next hop's round trip (the whole round trip for the last hop reached). */
  ownTimeMs: number | null;
}

/** One chain call split into its hops. */
export interface ChainCall {
  hops: Hop[];
  /** Every hop answered ok. */
  complete: boolean;
  /** The client's round trip of the whole chain. */
  roundTripMs: number | null;
}

/** What each nested hop is asked to do besides calling the next (weakest-link: `{ throughput_time: 1 }`). */
export type HopPayload = Record<string, unknown>;

/**
 * The root's payload for a chain call: chain[1] is called by the root, chain[2] by chain[1], and
 * so on, each nested hop with `hopPayload`. The root itself gets only the nested call.
 */
export function chainPayload(chain: readonly string[], hopPayload: HopPayload = {}): { invoke_nested: unknown[] } {
  if (chain.length < 2) throw new RangeError(`a chain needs at least two functions, got ${chain.length}`);
  let nested: { function_name: string; invoke_payload: Record<string, unknown> } | undefined;
  for (const functionName of [...chain.slice(1)].reverse()) {
    nested = { function_name: functionName, invoke_payload: { ...hopPayload, ...(nested ? { invoke_nested: [nested] } : {}) } };
  }
  return { invoke_nested: [nested] };
}

/** Split one answer of a chain call into its hops, following each record to the one call it made. */
export function chainHops(result: InvocationResult, chain: readonly string[], clock: ClockOffset | undefined): ChainCall {
  const hops: Hop[] = [];
  let caller: AnyRecord | undefined;
  let broken = false;
  for (let index = 0; index < chain.length; index++) {
    const functionName = chain[index] as string;
    const callerFunctionName = index === 0 ? null : (chain[index - 1] as string);
    const record = broken ? undefined : recordOfHop(result, index, caller);
    if (!record) {
      broken = true;
      hops.push(missingHop(index, functionName, callerFunctionName, index === 0 ? result : undefined));
      continue;
    }
    const succeeded = !record.error && 'instance_identifier' in record;
    const full = succeeded ? (record as InvocationRecord) : undefined;
    const startLatency = index === 0 ? sendToStartLatency(result, clock) : null;
    hops.push({
      hop: index,
      functionName,
      callerFunctionName,
      status: index === 0 ? result.status : nestedStatus(record),
      cold: full?.cold ?? null,
      instanceIdentifier: full?.instance_identifier ?? null,
      identifier: record.identifier,
      roundTripMs: index === 0 ? result.latencyMs : difference(record.invocation_end, record.invocation_start),
      startLatencyMs: index === 0 ? (startLatency?.latencyMs ?? null) : difference(full?.execution_start, record.invocation_start),
      startLatencyErrorMs: startLatency?.errorMs ?? null,
      durationMs: full ? full.execution_end - full.execution_start : null,
      ownTimeMs: null,
    });
    if (!succeeded || (index === 0 && result.status !== 'ok')) broken = true;
    caller = record;
  }
  for (const [index, hop] of hops.entries()) {
    const next = hops[index + 1];
    if (hop.roundTripMs === null) continue;
    // The last hop reached spent its whole round trip itself.
    if (!next || next.status === 'missing') hop.ownTimeMs = hop.roundTripMs;
    else if (next.roundTripMs !== null) hop.ownTimeMs = hop.roundTripMs - next.roundTripMs;
  }
  return { hops, complete: hops.every((hop) => hop.status === 'ok'), roundTripMs: result.latencyMs };
}

/** A hop's share of its chain's round trip, and whether it was the largest of the call. */
export function hopShares(call: ChainCall): { share: number | null; dominant: boolean }[] {
  const largest = dominantHopIndex(call);
  return call.hops.map((hop, index) => ({
    share: hop.ownTimeMs !== null && call.roundTripMs ? hop.ownTimeMs / call.roundTripMs : null,
    dominant: index === largest,
  }));
}

/** The hop with the largest own time in a complete call; undefined when the call is not complete. */
export function dominantHopIndex(call: ChainCall): number | undefined {
  if (!call.complete) return undefined;
  let best: number | undefined;
  for (const [index, hop] of call.hops.entries()) {
    if (hop.ownTimeMs === null) return undefined;
    if (best === undefined || hop.ownTimeMs > (call.hops[best]?.ownTimeMs as number)) best = index;
  }
  return best;
}

/** How one hop fared over a group of chain calls (e.g. one pre-warm level). */
export interface HopSummary {
  hop: number;
  functionName: string;
  /** Complete chain calls of the group. */
  completeCalls: number;
  /** Of those, the calls where this hop was cold. */
  coldCalls: number;
  /** Of those, the calls where this hop's own time was the largest. */
  dominantCalls: number;
  totalOwnTimeMs: number;
  /** Its own time as a fraction of the group's total chain time. */
  share: number;
  /** The hop with the largest total own time in the group: the group's weakest link. */
  weakestLink: boolean;
}

/** Per hop of the chain, over the complete calls of a group; empty when none was complete. */
export function summarizeHops(calls: readonly ChainCall[], chain: readonly string[]): HopSummary[] {
  const complete = calls.filter((call) => call.complete);
  if (!complete.length) return [];
  const chainTotalMs = complete.reduce((total, call) => total + (call.roundTripMs ?? 0), 0);
  const summaries = chain.map((functionName, hop) => {
    const totalOwnTimeMs = complete.reduce((total, call) => total + (call.hops[hop]?.ownTimeMs ?? 0), 0);
    return {
      hop,
      functionName,
      completeCalls: complete.length,
      coldCalls: complete.filter((call) => call.hops[hop]?.cold === true).length,
      dominantCalls: complete.filter((call) => dominantHopIndex(call) === hop).length,
      totalOwnTimeMs,
      share: chainTotalMs > 0 ? totalOwnTimeMs / chainTotalMs : 0,
      weakestLink: false,
    };
  });
  const weakest = summaries.reduce((best, summary) => (summary.totalOwnTimeMs > best.totalOwnTimeMs ? summary : best));
  weakest.weakestLink = true;
  return summaries;
}

/** The columns of one hop's row (units in the names), for `bench.record`. */
export function hopColumns(hop: Hop, share: { share: number | null; dominant: boolean }): Record<string, unknown> {
  return {
    hop: hop.hop,
    function_name: hop.functionName,
    caller_function_name: hop.callerFunctionName ?? 'client',
    status: hop.status,
    cold: hop.cold,
    instance_identifier: hop.instanceIdentifier,
    invocation_identifier: hop.identifier,
    round_trip_ms: roundMs(hop.roundTripMs),
    start_latency_ms: roundMs(hop.startLatencyMs),
    start_latency_error_ms: roundMs(hop.startLatencyErrorMs),
    duration_ms: roundMs(hop.durationMs),
    own_time_ms: roundMs(hop.ownTimeMs),
    own_share: share.share === null ? null : Math.round(share.share * 10_000) / 10_000,
    dominant: share.dominant,
  };
}

/** The columns of one hop's summary row, for `bench.record`. */
export function hopSummaryColumns(summary: HopSummary): Record<string, unknown> {
  return {
    hop: summary.hop,
    function_name: summary.functionName,
    complete_calls: summary.completeCalls,
    cold_calls: summary.coldCalls,
    dominant_calls: summary.dominantCalls,
    total_own_time_ms: roundMs(summary.totalOwnTimeMs),
    mean_own_time_ms: roundMs(summary.totalOwnTimeMs / summary.completeCalls),
    share: Math.round(summary.share * 10_000) / 10_000,
    weakest_link: summary.weakestLink,
  };
}

/** "monolith 41 %": the weakest link of a group, for log lines and result sentences. */
export function describeWeakestLink(summaries: readonly HopSummary[]): string {
  const weakest = summaries.find((summary) => summary.weakestLink);
  if (!weakest) return 'no complete chain';
  return `${weakest.functionName} ${Math.round(weakest.share * 100)} %${weakest.coldCalls ? ` (cold in ${weakest.coldCalls} of ${weakest.completeCalls})` : ''}`;
}

function missingHop(hop: number, functionName: string, callerFunctionName: string | null, rootResult: InvocationResult | undefined): Hop {
  return {
    hop,
    functionName,
    callerFunctionName,
    // A root without records still failed in its own way (throttled, timed out, an error).
    status: rootResult ? (rootResult.status === 'ok' ? 'error' : rootResult.status) : 'missing',
    cold: null,
    instanceIdentifier: null,
    identifier: null,
    roundTripMs: rootResult?.latencyMs ?? null,
    startLatencyMs: null,
    startLatencyErrorMs: null,
    durationMs: null,
    ownTimeMs: null,
  };
}

/** The root's record, or the record of the one call `caller` made. */
function recordOfHop(result: InvocationResult, index: number, caller: AnyRecord | undefined): AnyRecord | undefined {
  if (index === 0) return result.root;
  return result.records.find((candidate) => candidate.parent === caller?.identifier);
}

/** A nested record's outcome as its caller saw it. */
function nestedStatus(record: AnyRecord): InvocationStatus {
  if (record.http_status === 429) return 'throttled';
  return record.error ? 'error' : 'ok';
}

function difference(end: number | undefined, start: number | undefined): number | null {
  return typeof end === 'number' && typeof start === 'number' ? end - start : null;
}

/** To 0.01 ms, null kept. */
export function roundMs(ms: number | null): number | null {
  return ms === null ? null : Math.round(ms * 100) / 100;
}
