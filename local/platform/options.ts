import { totalmem } from 'node:os';
import type { z } from 'zod';
import { localPlatformSettingsSchema, PROFILE_NAMES } from '../../lib/platforms/local/settings-schema';
import { defaultMaxInstances } from './instance-budget';

/**
 * The local platform's knobs. Each is ground truth for an experiment: an idle-gap search must
 * find `idleTimeoutMs`, a lifetime experiment `maxLifetimeMs`, a concurrency sweep
 * `maxInstances` and `concurrencyPerInstance`, a large-function cold-start comparison
 * `initDelayPerMbMs`, a throughput benchmark `cpuShare`.
 */
export { PROFILE_NAMES };
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

/** The settings' schema is part of the run-input contract, so it lives in lib/ with a description per field. */
const platformOptionsSchema = localPlatformSettingsSchema;

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
