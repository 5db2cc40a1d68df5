import type { InvocationStatus } from '../results/types';
import { percentileCont } from '../stats/summary';
import type { InvocationResult } from './bench';

/**
 * What one step of an open-loop schedule (./open-loop.ts) did: planned against issued and sent
 * calls, how late the sends were, and how the calls ended. Times are real epoch ms; the spreads
 * are real ms.
 */
export interface OpenLoopStepSummary {
  /** The step's index in the schedule. */
  step: number;
  plannedStartAt: number;
  plannedEndAt: number;
  plannedCalls: number;
  /** Calls handed to the bench (all planned ones unless the schedule stopped early). */
  issuedCalls: number;
  /** Of those, written to the wire (`answer.sendAt` set); the others timed out waiting for a connection, or failed before. */
  sentCalls: number;
  /** Of those, sent within the step's planned window [start, end); null for a step of length 0 (a burst). */
  sentInWindowCalls: number | null;
  /** Actual send − planned send (`answer.sendAt` − plan), over the sent calls; null if none was sent. */
  scheduleErrorMs: Spread | null;
  /** The scheduler's own lateness: when it handed the call to the bench − plan. */
  issueLagMs: Spread | null;
  /** Most calls in flight at once (this step's and earlier ones') while this step was issuing. */
  maxInFlightCalls: number;
  /** Calls by how they ended. */
  statusCalls: Record<InvocationStatus, number>;
}

/** The step's summary with every call, for the step's own figures (latencies, instances, …). */
export interface OpenLoopStepReport extends OpenLoopStepSummary {
  calls: OpenLoopCall[];
}

export interface OpenLoopCall {
  result: InvocationResult;
  /** Planned send time, epoch ms. */
  plannedAt: number;
  /** When the scheduler handed it to the bench, epoch ms. */
  issuedAt: number;
  /** The size of the batch it was sent in (1: a single call). */
  batchSize: number;
}

export interface Spread {
  medianMs: number;
  p99Ms: number;
  maxMs: number;
}

/** What the scheduler knows of a step once its calls have settled. */
export interface SettledStep {
  plannedStartAt: number;
  plannedEndAt: number;
  plannedCalls: number;
  issuedCalls: number;
  maxInFlightCalls: number;
  calls: OpenLoopCall[];
}

export function stepReport(step: number, state: SettledStep): OpenLoopStepReport {
  const calls = [...state.calls].sort((a, b) => a.plannedAt - b.plannedAt);
  const sent = calls.filter((call) => call.result.answer.sendAt !== null);
  const statusCalls: Record<InvocationStatus, number> = { ok: 0, error: 0, timeout: 0, throttled: 0 };
  for (const call of calls) statusCalls[call.result.status] += 1;
  const windowed = state.plannedEndAt > state.plannedStartAt;
  return {
    step,
    plannedStartAt: state.plannedStartAt,
    plannedEndAt: state.plannedEndAt,
    plannedCalls: state.plannedCalls,
    issuedCalls: state.issuedCalls,
    sentCalls: sent.length,
    sentInWindowCalls: windowed ? sent.filter((call) => (call.result.answer.sendAt as number) >= state.plannedStartAt && (call.result.answer.sendAt as number) < state.plannedEndAt).length : null,
    scheduleErrorMs: spreadOf(sent.map((call) => (call.result.answer.sendAt as number) - call.plannedAt)),
    issueLagMs: spreadOf(calls.map((call) => call.issuedAt - call.plannedAt)),
    maxInFlightCalls: state.maxInFlightCalls,
    statusCalls,
    calls,
  };
}

/** The report without its calls (what `runOpenLoop` keeps: a long schedule's calls would fill memory). */
export function summaryOf(report: OpenLoopStepReport): OpenLoopStepSummary {
  const { calls: _calls, ...summary } = report;
  return summary;
}

/** Median, 99th percentile (PostgreSQL's percentile_cont) and maximum; null for no values. */
export function spreadOf(valuesMs: readonly number[]): Spread | null {
  if (!valuesMs.length) return null;
  let maxMs = Number.NEGATIVE_INFINITY;
  for (const value of valuesMs) if (value > maxMs) maxMs = value;
  return { medianMs: percentileCont(valuesMs, 0.5), p99Ms: percentileCont(valuesMs, 0.99), maxMs };
}
