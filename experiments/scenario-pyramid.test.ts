/**
 * scenario-pyramid in the cost estimate's dry run: its open-loop schedule runs on the model bench's
 * virtual clock (lib/experiment/open-loop.ts), so the full default run — four pyramids, about two
 * hours of load and idle — is counted to its end in a fraction of a second instead of being cut
 * short and called a lower bound.
 */
import { describe, expect, it } from 'vitest';
import { resolveParams } from '../lib/experiment/params';
import { findExperiment } from '../lib/experiment/registry';
import { priorEstimate } from '../lib/cost/prior/prior-estimate';
import { pyramidSteps } from './_pyramid-plan';

describe('scenario-pyramid dry run', () => {
  it('issues every planned call on the virtual clock, and lasts at least the schedule', async () => {
    const pyramid = findExperiment('scenario-pyramid');
    const params = resolveParams(pyramid, { quick: false, overrides: {} }) as {
      pyramids: { functions: ('function1' | 'function2' | 'function3' | 'monolith')[]; increment: number; peak: number; rampTimeSeconds: number }[];
      minSleepSeconds: number;
      sendOverheadSeconds: number;
      baselineSeconds: number;
      baselineIntervalSeconds: number;
    };
    let plannedCalls = 0;
    let scheduleMs = 0;
    let lastSendAtMs = 0;
    for (const spec of params.pyramids) {
      // One cold time (the default 1200 s) of idle before each pyramid, then its steps back to back;
      // a pyramid ends when its last call has answered, not at its last step's planned end.
      scheduleMs += 1_200_000;
      for (const step of pyramidSteps(spec, params, {})) {
        for (const send of step.sends) {
          plannedCalls += send.calls ?? 1;
          lastSendAtMs = scheduleMs + send.offsetMs;
        }
        scheduleMs += step.durationMs;
      }
      scheduleMs = lastSendAtMs;
    }
    const startedMs = performance.now();
    const estimate = await priorEstimate({ experiment: pyramid, params, quick: false, platform: 'aws-lambda', controlPlane: 'deployed' });
    const realMs = performance.now() - startedMs;
    const dryRun = estimate.inputs.dryRun as { calls: number; wallSeconds: number; stoppedBy: string | null };
    expect(dryRun.stoppedBy).toBeNull();
    expect(estimate.complete).toBe(true);
    expect(dryRun.calls).toBe(plannedCalls);
    expect(dryRun.wallSeconds * 1000).toBeGreaterThan(lastSendAtMs);
    // The answers to the last sends come shortly after the schedule's end, not a sum of latencies later.
    expect(dryRun.wallSeconds * 1000).toBeLessThan(lastSendAtMs + 60_000);
    expect(realMs).toBeLessThan(lastSendAtMs / 10);
  });
});
