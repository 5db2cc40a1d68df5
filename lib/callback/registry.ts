/**
 * Where the control plane keeps, per run, what it needs to turn an agent's callback into a Step
 * Functions call: the hash of the run's callback secret, the RunAgent task token, and until when
 * the callback is accepted. One entry per run; success/failure may be delivered once.
 *
 * The interface is shaped for a key-value store with conditional writes (DynamoDB, or a row in
 * the results database): `markUsed` is one conditional update ("set used where it exists and is
 * not used yet") whose failure means "someone else got there first", and `release` is its undo
 * (a conditional update back). Only the in-memory implementation exists so far (local runs and
 * tests); it is atomic because JavaScript runs each call to completion.
 */
import type { KeyObject } from 'node:crypto';
import { type CallbackSecret, createCallbackSecret } from './secrets';
import type { CallbackSigningKeySource } from './signing-key';

/** What the control plane registers when a run's RunAgent task starts. */
export interface CallbackRegistration {
  runId: string;
  /** {@link hashCallbackSecret} of the secret given to the agent; the secret itself is never stored. */
  secretHash: string;
  /** The Step Functions task token of the run's RunAgent task. Never logged or sent to the agent. */
  taskToken: string;
  /** Callbacks arriving after this are refused (410); the RunAgent task's timeout. */
  expiresAt: Date;
}

/** A registered callback as found. */
export interface CallbackEntry extends CallbackRegistration {
  /** Whether a success or failure has been claimed for delivery (see `markUsed`). */
  used: boolean;
}

export interface CallbackRegistry {
  /**
   * Store the entry (unused). A second registration for the same run replaces the first: a
   * re-run RunAgent task has a new token and its agent a new secret.
   */
  register(entry: CallbackRegistration): Promise<void>;
  /** The run's entry, or undefined if none is registered. */
  find(runId: string): Promise<CallbackEntry | undefined>;
  /**
   * Atomically claim the run's single success/failure: set `used` if the entry exists and is not
   * used yet. Resolves false when it is already used (or gone); then nothing may be sent.
   */
  markUsed(runId: string): Promise<boolean>;
  /**
   * Undo `markUsed` after the delivery failed without Step Functions saying the task is gone
   * (network error, throttling), so the agent's retry can claim it again. No-op if not used.
   */
  release(runId: string): Promise<void>;
  /** Delete the run's entry (its task token and secret hash) once the run has ended. No-op if none. */
  remove(runId: string): Promise<void>;
}

/** The in-memory registry: one process's runs (the local control plane, tests). */
export class InMemoryCallbackRegistry implements CallbackRegistry {
  private readonly entries = new Map<string, CallbackEntry>();

  async register(entry: CallbackRegistration): Promise<void> {
    this.entries.set(entry.runId, { ...entry, expiresAt: new Date(entry.expiresAt), used: false });
  }

  async find(runId: string): Promise<CallbackEntry | undefined> {
    const entry = this.entries.get(runId);
    return entry && { ...entry, expiresAt: new Date(entry.expiresAt) };
  }

  async markUsed(runId: string): Promise<boolean> {
    const entry = this.entries.get(runId);
    if (!entry || entry.used) return false;
    entry.used = true;
    return true;
  }

  async release(runId: string): Promise<void> {
    const entry = this.entries.get(runId);
    if (entry) entry.used = false;
  }

  async remove(runId: string): Promise<void> {
    this.entries.delete(runId);
  }

  /** Number of registered runs. */
  get size(): number {
    return this.entries.size;
  }
}

/**
 * StartAgent's callback issuer on `registry`: each run's secret, tagged with the key from
 * `signingKey`, is registered for `ttlMs` and answered with the endpoint `url` the agent reports to.
 */
export function callbackIssuer(registry: CallbackRegistry, url: string, ttlMs: number, signingKey: CallbackSigningKeySource) {
  return {
    issue: async (runId: string, taskToken: string): Promise<{ url: string; secret: string }> => {
      const key = await signingKey();
      const { secret } = await registerCallback(registry, key, { runId, taskToken, expiresAt: new Date(Date.now() + ttlMs) });
      return { url, secret };
    },
    revoke: (runId: string): Promise<void> => registry.remove(runId),
  };
}

/**
 * What the control plane does when a RunAgent task starts: make the run's secret (tagged with
 * `signingKey`), register its hash with the task token, and return the secret to hand to the
 * agent (once) with the callback URL.
 */
export async function registerCallback(
  registry: CallbackRegistry,
  signingKey: KeyObject,
  run: { runId: string; taskToken: string; expiresAt: Date },
): Promise<Pick<CallbackSecret, 'secret'>> {
  const { secret, secretHash } = createCallbackSecret(signingKey, run.runId);
  await registry.register({ runId: run.runId, secretHash, taskToken: run.taskToken, expiresAt: run.expiresAt });
  return { secret };
}
