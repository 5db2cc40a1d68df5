/**
 * Throttling of the callback endpoint, in the process that answers it, before any database query:
 * one token bucket per run secret (a run's agent beats once a minute and reports a handful of
 * times, so 2 requests a second with a burst of 20 never slows a well-behaved agent, while one
 * agent, or one leaked secret, cannot flood the endpoint for everyone), and one bucket for the
 * whole process (a ceiling on what reaches the registry). A refusal is 429 with `Retry-After`,
 * which the agent honours within its retry budget (client-agent/callback-retry.ts).
 *
 * The buckets live in memory: in AWS each callback Lambda instance has its own, so the ceiling
 * is per instance, and the API's stage throttle (lib/constructs/callback-endpoint.ts) bounds the
 * sum. The per-secret map holds at most `maxTrackedSecrets` buckets, dropping the least recently
 * used, so random secrets cannot grow it without bound. Secrets are keyed by their SHA-256, never
 * kept as they are.
 */
import { createHash } from 'node:crypto';

export interface BucketRate {
  /** Tokens added per second. */
  perSecond: number;
  /** Most tokens held (the burst). */
  burst: number;
}

export interface CallbackThrottleOptions {
  perSecret: BucketRate;
  overall: BucketRate;
  /** @default 10,000 */
  maxTrackedSecrets?: number;
  /** Monotonic ms. @default performance.now */
  nowMs?: () => number;
}

export const DEFAULT_CALLBACK_THROTTLE: Pick<CallbackThrottleOptions, 'perSecret' | 'overall'> = {
  perSecret: { perSecond: 2, burst: 20 },
  overall: { perSecond: 50, burst: 100 },
};

interface Bucket {
  tokens: number;
  atMs: number;
}

/** Whether a request may go on, and if not, which bucket refused it and when to come back. */
export type ThrottleVerdict = { allowed: true } | { allowed: false; scope: 'secret' | 'overall'; retryAfterSeconds: number };

export class CallbackThrottle {
  private readonly perSecret = new Map<string, Bucket>();
  private readonly overall: Bucket;
  private readonly maxTrackedSecrets: number;
  private readonly nowMs: () => number;

  constructor(private readonly options: CallbackThrottleOptions) {
    this.nowMs = options.nowMs ?? (() => performance.now());
    this.maxTrackedSecrets = options.maxTrackedSecrets ?? 10_000;
    this.overall = { tokens: options.overall.burst, atMs: this.nowMs() };
  }

  /** Take one token for `secret` and one overall, or say which bucket is empty. */
  take(secret: string): ThrottleVerdict {
    const now = this.nowMs();
    const key = createHash('sha256').update(secret).digest('base64url');
    const bucket = this.perSecret.get(key) ?? { tokens: this.options.perSecret.burst, atMs: now };
    // Re-insert: the map's order is the least recently used first.
    this.perSecret.delete(key);
    this.perSecret.set(key, bucket);
    if (this.perSecret.size > this.maxTrackedSecrets) this.perSecret.delete(this.perSecret.keys().next().value as string);
    refill(bucket, this.options.perSecret, now);
    refill(this.overall, this.options.overall, now);
    if (bucket.tokens < 1) return { allowed: false, scope: 'secret', retryAfterSeconds: secondsUntilToken(bucket, this.options.perSecret) };
    if (this.overall.tokens < 1) return { allowed: false, scope: 'overall', retryAfterSeconds: secondsUntilToken(this.overall, this.options.overall) };
    bucket.tokens -= 1;
    this.overall.tokens -= 1;
    return { allowed: true };
  }

  /** How many secrets have a bucket now. */
  get trackedSecrets(): number {
    return this.perSecret.size;
  }
}

function refill(bucket: Bucket, rate: BucketRate, now: number): void {
  bucket.tokens = Math.min(rate.burst, bucket.tokens + ((now - bucket.atMs) / 1000) * rate.perSecond);
  bucket.atMs = now;
}

function secondsUntilToken(bucket: Bucket, rate: BucketRate): number {
  return Math.max(1, Math.ceil((1 - bucket.tokens) / rate.perSecond));
}
