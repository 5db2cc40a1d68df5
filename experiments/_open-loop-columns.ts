/**
 * The columns scenario-pyramid and growing-load-spikes store for a step of an open-loop schedule
 * (lib/experiment/open-loop.ts): planned against issued calls, how late the sends were, how the
 * calls ended, and what the platform did with them. Schedule errors are real milliseconds
 * (`--quick` scales the schedule, never the client's lateness).
 */
import type { OpenLoopStepReport, Spread } from '../lib/experiment/open-loop';
import { percentileCont } from '../lib/stats/summary';

/** Planned, issued and sent calls, the schedule error and outcomes of one step; `prefix` names a part of a row (e.g. `burst_`). */
export function scheduleColumns(report: OpenLoopStepReport, prefix = ''): Record<string, number | null> {
  const columns: Record<string, number | null> = {
    planned_calls: report.plannedCalls,
    issued_calls: report.issuedCalls,
    sent_calls: report.sentCalls,
    sent_in_window_calls: report.sentInWindowCalls,
    ok: report.statusCalls.ok,
    errors: report.statusCalls.error,
    throttled: report.statusCalls.throttled,
    timeouts: report.statusCalls.timeout,
    ...spreadColumns('schedule_error', report.scheduleErrorMs),
    issue_lag_median_ms: rounded(report.issueLagMs?.medianMs),
    issue_lag_max_ms: rounded(report.issueLagMs?.maxMs),
    max_in_flight_calls: report.maxInFlightCalls,
    ...callColumns(report),
  };
  return Object.fromEntries(Object.entries(columns).map(([name, value]) => [`${prefix}${name}`, value]));
}

/** Round trips of the ok calls, the instances they ran on and the cold starts among them. */
function callColumns(report: OpenLoopStepReport): Record<string, number | null> {
  const ok = report.calls.filter((call) => call.result.status === 'ok' && call.result.root);
  const latencies = ok.map((call) => call.result.latencyMs).filter((ms): ms is number => ms !== null);
  return {
    latency_median_ms: latencies.length ? rounded(percentileCont(latencies, 0.5)) : null,
    latency_p99_ms: latencies.length ? rounded(percentileCont(latencies, 0.99)) : null,
    distinct_instances: new Set(ok.map((call) => call.result.root?.instance_identifier)).size,
    cold: ok.filter((call) => call.result.root?.cold === true).length,
  };
}

function spreadColumns(name: string, spread: Spread | null): Record<string, number | null> {
  return { [`${name}_median_ms`]: rounded(spread?.medianMs), [`${name}_p99_ms`]: rounded(spread?.p99Ms), [`${name}_max_ms`]: rounded(spread?.maxMs) };
}

/** Milliseconds to three decimals (µs), or null. */
export function rounded(ms: number | null | undefined): number | null {
  return ms === null || ms === undefined || !Number.isFinite(ms) ? null : Math.round(ms * 1000) / 1000;
}
