import { totalmem } from 'node:os';
import { z } from 'zod';
import { MAX_TIMER_DURATION_MS } from './duration';
import { defaultMaxInstances } from './instance-budget';

/**
 * The local platform's knobs. Each is ground truth for an experiment: an idle-gap search must
 * find `idleTimeoutMs`, a lifetime experiment `maxLifetimeMs`, a concurrency sweep
 * `maxInstances` and `concurrencyPerInstance`, a large-function cold-start comparison
 * `initDelayPerMbMs`, a throughput benchmark `cpuShare`.
 */
export const PROFILE_NAMES = ['lambda', 'azure', 'openfaas'] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

/** How a profile scales, before any explicit option overrides it. */
export interface ProfileDefaults {
  /** Requests one instance serves at once. */
  concurrencyPerInstance: number;
  /** Least time between two scale-outs of one function (0 = no limit). */
  scaleOutIntervalMs: number;
  /**
   * What happens to a request when no instance has room and none may be added: wait for room
   * (Azure, OpenFaaS), or be answered 429 at once (Lambda's TooManyRequestsException).
   */
  whenBusy: 'queue' | 'throttle';
  /** Memory each instance reports as configured, in MB (the platform's usual default). */
  memoryMb: number;
}

export const PROFILES: Record<ProfileName, ProfileDefaults> = {
  // One request per execution environment; a new environment at once for each concurrent call.
  lambda: { concurrencyPerInstance: 1, scaleOutIntervalMs: 0, whenBusy: 'throttle', memoryMb: 128 },
  // Many requests per host instance; the scale controller adds instances gradually.
  azure: { concurrencyPerInstance: 100, scaleOutIntervalMs: 10_000, whenBusy: 'queue', memoryMb: 1536 },
  // Replicas that each take many requests, scaled by the autoscaler, down to zero when idle.
  openfaas: { concurrencyPerInstance: 100, scaleOutIntervalMs: 10_000, whenBusy: 'queue', memoryMb: 128 },
};

const NOT_A_FRACTION_OF_A_CORE = 'must be a fraction of one core: more than 0 and at most 1';

export const platformOptionsSchema = z
  .object({
    /** Port of the gateway; 0 picks a free one. @default 8080 */
    port: z.number().int().min(0).max(65535).default(8080),
    /** Address the gateway listens on; loopback only by default. @default '127.0.0.1' */
    host: z.string().default('127.0.0.1'),
    profile: z.enum(PROFILE_NAMES).default('lambda'),
    /** An instance idle this long is evicted (not before). @default 10 minutes */
    idleTimeoutMs: z.number().min(0).max(MAX_TIMER_DURATION_MS).default(10 * 60_000),
    /** An instance this old takes no new requests and is retired. @default 2 hours */
    maxLifetimeMs: z.number().positive().max(MAX_TIMER_DURATION_MS).default(2 * 3_600_000),
    /** Most live instances per function. @default sized from the machine's memory, at most 1000 (./instance-budget.ts) */
    maxInstances: z.number().int().positive().max(100_000).optional(),
    /** @default the profile's */
    concurrencyPerInstance: z.number().int().positive().optional(),
    /** @default the profile's */
    scaleOutIntervalMs: z.number().min(0).max(MAX_TIMER_DURATION_MS).optional(),
    /** Extra delay before a new instance listens, on top of the real process start. @default 0 */
    initDelayMs: z.number().min(0).max(MAX_TIMER_DURATION_MS).default(0),
    /** Each instance's clock is shifted by this much (negative: behind), for proving clock-offset correction. @default 0 */
    clockSkewMs: z.number().min(-3_600_000).max(3_600_000).default(0),
    /**
     * Extra start-up delay per megabyte (2^20 bytes) of the function's bundle, on top of
     * `initDelayMs`: a big deployment then starts more slowly than a small one, in proportion to
     * its size (the monolith's ~1.2 MB bundle against function1's ~35 KB). @default 0
     */
    initDelayPerMbMs: z.number().min(0).default(0),
    /**
     * The fraction of one core each instance may use, more than 0 and at most 1 (1: no limit).
     * Below 1 the platform stops an instance as soon as it has used more CPU time than this share
     * of the wall time, and continues it once the wall time has caught up (./cpu-pacer.ts): the
     * CPU time the function measures stays what it really used, its wall time stretches. @default 1
     */
    cpuShare: z.number().gt(0, NOT_A_FRACTION_OF_A_CORE).max(1, NOT_A_FRACTION_OF_A_CORE).default(1),
    /** How long a queued request waits for room before it is answered 429. @default 60 s */
    queueTimeoutMs: z.number().positive().max(MAX_TIMER_DURATION_MS).default(60_000),
    /** How long a new instance may take to start listening before it counts as failed. @default 30 s */
    startTimeoutMs: z.number().positive().max(MAX_TIMER_DURATION_MS).default(30_000),
    /** Deploy function1–3 and monolith at start. @default true */
    deployLabFunctions: z.boolean().default(true),
    /** Forward instances' stdout/stderr to this process's stderr. @default false */
    logInstanceOutput: z.boolean().default(false),
    /** Where the OpenFaaS bundles of the lab functions are. @default `<repo>/dist/functions` */
    bundleDir: z.string().optional(),
  })
  .strict();

export type PlatformOptionsInput = z.input<typeof platformOptionsSchema>;

/** Options with every default applied, profile defaults included. */
export interface PlatformSettings extends Omit<z.output<typeof platformOptionsSchema>, 'concurrencyPerInstance' | 'scaleOutIntervalMs' | 'maxInstances'> {
  maxInstances: number;
  concurrencyPerInstance: number;
  scaleOutIntervalMs: number;
  whenBusy: ProfileDefaults['whenBusy'];
  memoryMb: number;
}

export class InvalidPlatformOptionsError extends Error {
  override name = 'InvalidPlatformOptionsError';
}

/** What the defaults depend on of the machine. */
export interface MachineFacts {
  totalMemoryBytes: number;
}

export function resolvePlatformSettings(input: PlatformOptionsInput = {}, machine: MachineFacts = { totalMemoryBytes: totalmem() }): PlatformSettings {
  const parsed = platformOptionsSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidPlatformOptionsError(`${issue?.path.join('.') || 'options'}: ${issue?.message ?? 'invalid'}`);
  }
  const options = parsed.data;
  const profile = PROFILES[options.profile];
  return {
    ...options,
    maxInstances: options.maxInstances ?? defaultMaxInstances(machine.totalMemoryBytes),
    concurrencyPerInstance: options.concurrencyPerInstance ?? profile.concurrencyPerInstance,
    scaleOutIntervalMs: options.scaleOutIntervalMs ?? profile.scaleOutIntervalMs,
    whenBusy: profile.whenBusy,
    memoryMb: profile.memoryMb,
  };
}

/** The settings that decide how instances come and go: what a run's manifest and `/system/info` report. */
/** Bytes in the megabyte of `initDelayPerMbMs`. */
const BYTES_PER_MB = 1024 * 1024;

/** The start-up delay of a new instance of a function whose bundle has `bundleBytes`, in whole ms. */
export function initDelayOfBundle(settings: Pick<PlatformSettings, 'initDelayMs' | 'initDelayPerMbMs'>, bundleBytes: number): number {
  return Math.round(settings.initDelayMs + (settings.initDelayPerMbMs * bundleBytes) / BYTES_PER_MB);
}

export function scalingSettings(settings: PlatformSettings) {
  return {
    profile: settings.profile,
    idleTimeoutMs: settings.idleTimeoutMs,
    maxLifetimeMs: settings.maxLifetimeMs,
    maxInstances: settings.maxInstances,
    concurrencyPerInstance: settings.concurrencyPerInstance,
    scaleOutIntervalMs: settings.scaleOutIntervalMs,
    initDelayMs: settings.initDelayMs,
    clockSkewMs: settings.clockSkewMs,
    initDelayPerMbMs: settings.initDelayPerMbMs,
    cpuShare: settings.cpuShare,
    whenBusy: settings.whenBusy,
    memoryMb: settings.memoryMb,
  };
}
