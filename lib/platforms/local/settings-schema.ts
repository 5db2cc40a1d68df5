/**
 * The local FaaS platform's settings as data: what `fb platform start` takes as flags and a run
 * on the `local` platform takes as `platformOptions`. The schema lives in lib/ because it is part
 * of the RunExperiment input contract (lib/control-plane/run-input-schema.ts) as well as the
 * platform's own (local/platform/options.ts resolves it against the profiles and the machine).
 * Each field's description is the one the published JSON Schema carries.
 */
import { z } from 'zod';

/** The longest delay `setTimeout` honours (2^31 − 1 ms); longer ones fire after 1 ms. */
export const MAX_TIMER_DURATION_MS = 2_147_483_647;

/** The scaling models the local platform mimics. */
export const PROFILE_NAMES = ['lambda', 'azure', 'openfaas'] as const;

const NOT_A_FRACTION_OF_A_CORE = 'must be a fraction of one core: more than 0 and at most 1';

/** The local platform's settings, each with its default (profile- or machine-dependent ones optional). */
export const localPlatformSettingsSchema = z
  .object({
    port: z.number().int().min(0).max(65535).default(8080).describe('Port of the gateway; 0 picks a free one.'),
    host: z.string().default('127.0.0.1').describe('Address the gateway listens on; loopback only by default.'),
    profile: z
      .enum(PROFILE_NAMES)
      .default('lambda')
      .describe(
        'Scaling model to mimic: lambda (one request per instance, 429 when no instance may be added), azure and openfaas (100 requests per instance, a scale-out at most every 10 s, requests queue for room).',
      ),
    idleTimeoutMs: z
      .number()
      .min(0)
      .max(MAX_TIMER_DURATION_MS)
      .default(10 * 60_000)
      .describe('An instance idle this long is evicted (not before), in ms.'),
    maxLifetimeMs: z
      .number()
      .positive()
      .max(MAX_TIMER_DURATION_MS)
      .default(2 * 3_600_000)
      .describe('An instance this old takes no new requests and is retired, in ms.'),
    maxInstances: z
      .number()
      .int()
      .positive()
      .max(100_000)
      .optional()
      .describe("Most live instances per function. Default: sized from the machine's memory, at most 1000."),
    concurrencyPerInstance: z.number().int().positive().optional().describe("Requests one instance serves at once. Default: the profile's (lambda 1, azure and openfaas 100)."),
    scaleOutIntervalMs: z
      .number()
      .min(0)
      .max(MAX_TIMER_DURATION_MS)
      .optional()
      .describe("Least time between two scale-outs of one function, in ms (0: no limit). Default: the profile's (lambda 0, azure and openfaas 10000)."),
    initDelayMs: z.number().min(0).max(MAX_TIMER_DURATION_MS).default(0).describe('Extra delay before a new instance listens, on top of the real process start, in ms.'),
    clockSkewMs: z
      .number()
      .min(-3_600_000)
      .max(3_600_000)
      .default(0)
      .describe("Each instance's clock is shifted by this much, in ms (negative: behind), for proving clock-offset correction."),
    initDelayPerMbMs: z
      .number()
      .min(0)
      .default(0)
      .describe("Extra start-up delay per megabyte (2^20 bytes) of the function's bundle, on top of initDelayMs, in ms: a big deployment starts more slowly than a small one."),
    cpuShare: z
      .number()
      .gt(0, NOT_A_FRACTION_OF_A_CORE)
      .max(1, NOT_A_FRACTION_OF_A_CORE)
      .default(1)
      .describe('The fraction of one core each instance may use, more than 0 and at most 1 (1: no limit); below 1 an instance is paused whenever it is ahead of its share.'),
    queueTimeoutMs: z.number().positive().max(MAX_TIMER_DURATION_MS).default(60_000).describe('How long a queued request waits for room before it is answered 429, in ms.'),
    startTimeoutMs: z
      .number()
      .positive()
      .max(MAX_TIMER_DURATION_MS)
      .default(30_000)
      .describe('How long a new instance may take to start listening before it counts as failed, in ms.'),
    deployLabFunctions: z.boolean().default(true).describe('Deploy function1–3 and monolith at start.'),
    logInstanceOutput: z.boolean().default(false).describe("Forward instances' stdout/stderr to the platform process's stderr."),
    bundleDir: z.string().optional().describe('Where the OpenFaaS bundles of the lab functions are. Default: <repo>/dist/functions.'),
  })
  .strict();

/**
 * The settings that belong to the platform process, not to one run: a run's platform always takes
 * a free port on loopback with the lab functions deployed from the built bundles.
 */
export const PLATFORM_PROCESS_SETTINGS = ['port', 'host', 'deployLabFunctions', 'logInstanceOutput', 'bundleDir'] as const;
