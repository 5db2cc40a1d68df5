/**
 * After Teardown asked for the deletions, the state machine polls them (CheckTeardown in the
 * WaitForTeardown loop) until the client and the functions are both gone, one deletion failed,
 * or the deadline passed. A CloudFormation stack or an Azure resource group is deleted
 * asynchronously and can end `DELETE_FAILED` or left over; without this loop a run was marked
 * `completed` while its resources lived on. What is left goes into the run's reason
 * (FinishRun fails the run with it).
 */
import type { RemovalCheck } from '../platforms/platform';

/** Per platform, ms from Teardown's answer: a lab stack deletes in minutes, a resource group can take a quarter of an hour. */
export const DEFAULT_TEARDOWN_DEADLINES_MS: Readonly<Record<string, number>> = { local: 60_000, openfaas: 300_000, 'aws-lambda': 1_800_000, 'azure-functions': 2_700_000 };

const FALLBACK_TEARDOWN_DEADLINE_MS = 2_700_000;

/** CheckTeardown's answer: `done` when both are gone, `failed` with what is left otherwise once it cannot get better. */
export interface TeardownCheck {
  done: boolean;
  failed: boolean;
  /** Carried from Teardown's answer through every poll. */
  startedAt: string;
  client: RemovalCheck;
  functions: RemovalCheck;
  /** What was not removed, one entry per part (empty unless failed). */
  left: string[];
}

export function judgeRemoval(platform: string, startedAt: string, parts: { client: RemovalCheck; functions: RemovalCheck }, now: Date, deadlinesMs: Readonly<Record<string, number>> = DEFAULT_TEARDOWN_DEADLINES_MS): TeardownCheck {
  const entries = Object.entries(parts) as ['client' | 'functions', RemovalCheck][];
  const describe = (what: string, check: RemovalCheck) => `${what}: ${check.reason ?? check.state}`;
  if (entries.every(([, check]) => check.gone)) return { done: true, failed: false, startedAt, ...parts, left: [] };
  const failed = entries.filter(([, check]) => check.failed === true);
  if (failed.length) return { done: false, failed: true, startedAt, ...parts, left: failed.map(([what, check]) => describe(what, check)) };
  const deadlineMs = Object.hasOwn(deadlinesMs, platform) ? (deadlinesMs[platform] as number) : FALLBACK_TEARDOWN_DEADLINE_MS;
  const waitedMs = now.getTime() - Date.parse(startedAt);
  if (!(waitedMs > deadlineMs)) return { done: false, failed: false, startedAt, ...parts, left: [] };
  const pending = entries.filter(([, check]) => !check.gone).map(([what, check]) => `${describe(what, check)} (still deleting after ${Math.round(waitedMs / 1000)} s, deadline ${deadlineMs / 1000} s)`);
  return { done: false, failed: true, startedAt, ...parts, left: pending };
}
