/**
 * How long the state machine's readiness loops (WaitForFunctions → CheckFunctionsReady,
 * WaitForClient → CheckClientReady) may go on before the run fails with what was still not ready.
 * Without a deadline, a platform that never answers would loop until the execution's 48-hour
 * timeout (or the 25,000-event history limit), which skips Teardown.
 *
 * The clock starts when the provisioning step answers (`provisionedAt` in its answer, carried
 * through every check), so a retried check does not restart it.
 */
import type { ReadinessCheck } from '../platforms/platform';

/** Per platform, in ms: the functions' deployment and the client machine's boot. */
export interface ReadinessDeadlines {
  functionsMs: Readonly<Record<string, number>>;
  clientMs: Readonly<Record<string, number>>;
}

/**
 * The defaults: a local platform starts in seconds; an OpenFaaS deployment pulls images; a
 * CloudFormation lab stack takes a few minutes; four Linux Consumption apps and their first
 * answers can take well over ten. Client machines boot in one to five minutes.
 */
export const DEFAULT_READINESS_DEADLINES: ReadinessDeadlines = {
  functionsMs: { local: 120_000, openfaas: 600_000, 'aws-lambda': 1_200_000, 'azure-functions': 1_800_000 },
  clientMs: { local: 120_000, openfaas: 900_000, 'aws-lambda': 900_000, 'azure-functions': 900_000 },
};

/** Used for a platform the table does not name. */
const FALLBACK_DEADLINE_MS = 1_800_000;

/** The provisioning answer with the instant the readiness clock starts. */
export function withProvisionedAt<T extends Record<string, unknown>>(answer: T, now: Date): T & { provisionedAt: string } {
  return { ...answer, provisionedAt: now.toISOString() };
}

/**
 * A check's answer, judged against the deadline: carried `provisionedAt`, and `failed` with a
 * reason naming what was still not ready once the deadline has passed (the answer's `reason`, else
 * its `waiting` note, e.g. the Azure functions that had not answered yet and what they answered).
 */
export function judgeReadiness(
  what: 'functions' | 'client',
  platform: string,
  previous: Record<string, unknown> | undefined,
  answer: ReadinessCheck,
  now: Date,
  deadlines: ReadinessDeadlines = DEFAULT_READINESS_DEADLINES,
): ReadinessCheck {
  const provisionedAt = typeof previous?.provisionedAt === 'string' ? previous.provisionedAt : now.toISOString();
  const judged: ReadinessCheck = { ...answer, provisionedAt };
  if (answer.ready) return judged;
  // The state machine's ProvisioningFailed reads `reason`: a failure always has one.
  if (answer.failed) return typeof answer.reason === 'string' && answer.reason ? judged : { ...judged, reason: `the ${what} on ${platform} failed (no reason given)` };
  const table = what === 'functions' ? deadlines.functionsMs : deadlines.clientMs;
  const deadlineMs = Object.hasOwn(table, platform) ? (table[platform] as number) : FALLBACK_DEADLINE_MS;
  const waitedMs = now.getTime() - Date.parse(provisionedAt);
  if (!(waitedMs > deadlineMs)) return judged;
  const still = stillWaitingOn(answer);
  return { ...judged, failed: true, reason: `ReadinessTimeout: the ${what} on ${platform} were still not ready after ${Math.round(waitedMs / 1000)} s (deadline ${deadlineMs / 1000} s)${still}` };
}

/** `: <what the answer says it waits for>`, or nothing when it does not say. */
function stillWaitingOn(answer: ReadinessCheck): string {
  for (const note of [answer.reason, answer.waiting]) if (typeof note === 'string' && note) return `: ${note}`;
  return '';
}
