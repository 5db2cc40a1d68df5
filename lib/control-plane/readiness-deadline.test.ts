import { describe, expect, it } from 'vitest';
import { DEFAULT_READINESS_DEADLINES, judgeReadiness, withProvisionedAt } from './readiness-deadline';

const T0 = new Date('2026-12-05T10:00:00.000Z');
const msAfterT0 = (ms: number) => new Date(T0.getTime() + ms);
const deadlines = { functionsMs: { 'aws-lambda': 600_000 }, clientMs: { 'aws-lambda': 300_000 } };

describe('Function: judgeReadiness', () => {
  it('carries the provisioning instant through every check and passes answers through before the deadline', () => {
    const provisioned = withProvisionedAt({ stackName: 'fb-1a2b3c4d-lab', ready: false }, T0);
    expect(provisioned.provisionedAt).toBe(T0.toISOString());
    const answer = judgeReadiness('functions', 'aws-lambda', provisioned, { ready: false, stackStatus: 'CREATE_IN_PROGRESS' }, msAfterT0(599_000), deadlines);
    expect(answer).toEqual({ ready: false, stackStatus: 'CREATE_IN_PROGRESS', provisionedAt: T0.toISOString() });
    // The next check gets that answer as `previous`: the clock does not restart.
    expect(judgeReadiness('functions', 'aws-lambda', answer, { ready: true }, msAfterT0(700_000), deadlines)).toEqual({ ready: true, provisionedAt: T0.toISOString() });
  });

  it('fails a check past the deadline, naming what was still not ready and for how long', () => {
    const previous = withProvisionedAt({}, T0);
    const answer = judgeReadiness('client', 'aws-lambda', previous, { ready: false, reason: 'VM agent not reporting' }, msAfterT0(300_001), deadlines);
    expect(answer).toMatchObject({ ready: false, failed: true });
    expect(answer.reason).toBe('ReadinessTimeout: the client on aws-lambda were still not ready after 300 s (deadline 300 s): VM agent not reporting');
    // Exactly at the deadline is still waiting.
    expect(judgeReadiness('client', 'aws-lambda', previous, { ready: false }, msAfterT0(300_000), deadlines).failed).toBeUndefined();
  });

  it('gives a failure without a reason one (the state machine reads it), and uses the fallback for unknown platforms', () => {
    expect(judgeReadiness('functions', 'local', undefined, { ready: false, failed: true }, T0).reason).toBe('the functions on local failed (no reason given)');
    const previous = withProvisionedAt({}, T0);
    expect(judgeReadiness('functions', 'another-faas', previous, { ready: false }, msAfterT0(1_799_000)).failed).toBeUndefined();
    expect(judgeReadiness('functions', 'another-faas', previous, { ready: false }, msAfterT0(1_800_001)).failed).toBe(true);
  });

  it('allows each cloud more than its own typical start-up time', () => {
    expect(DEFAULT_READINESS_DEADLINES.functionsMs['azure-functions']).toBeGreaterThan(DEFAULT_READINESS_DEADLINES.functionsMs['aws-lambda'] as number);
    expect(DEFAULT_READINESS_DEADLINES.functionsMs.local).toBeLessThan(DEFAULT_READINESS_DEADLINES.functionsMs.openfaas as number);
  });
});

describe('Function: judgeReadiness — what was still waiting', () => {
  it('names the answer\'s waiting note when it gives no reason', () => {
    const previous = withProvisionedAt({}, T0);
    const waiting = 'not ready yet: function1 (HTTP 502 BadGateway); their triggers were synced';
    const answer = judgeReadiness('functions', 'aws-lambda', previous, { ready: false, waiting }, msAfterT0(600_001), deadlines);
    expect(answer.reason).toBe(`ReadinessTimeout: the functions on aws-lambda were still not ready after 600 s (deadline 600 s): ${waiting}`);
  });
});
