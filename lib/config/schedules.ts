/**
 * Experiment schedules: which experiments a control plane starts by itself, and when. They come
 * from configuration (./schedules-source.ts: `-c schedules=…` or `schedules.json` at the project
 * root), never from code; this module is the format and its validation.
 *
 * The file is a JSON array; each entry becomes one EventBridge Scheduler schedule (in the stage's
 * schedule group) whose target is `StartExecution` of the `RunExperiment` state machine, with the
 * run input `{ experiment, platforms, params, quick }`: exactly what `fb run` or the console would
 * send, so ValidateInput checks it the same way. `fb serve` runs the same entries locally
 * (local/schedules/local-scheduler.ts). `enabled: false` keeps a schedule but pauses it.
 *
 * ```json
 * [
 *   {
 *     "name": "nightly-coldstart",
 *     "description": "Cold-start identification every night, on the quick profile",
 *     "experiment": "coldstart-identifier",
 *     "platforms": ["aws-lambda"],
 *     "quick": true,
 *     "expression": "cron(0 3 * * ? *)",
 *     "timezone": "Europe/Copenhagen",
 *     "enabled": true
 *   },
 *   {
 *     "name": "weekly-concurrency",
 *     "experiment": "concurrency-benchmarking",
 *     "platforms": ["aws-lambda", "azure-functions"],
 *     "params": { "concurrency": [2, 4, 8, 16] },
 *     "expression": "rate(7 days)",
 *     "enabled": false
 *   }
 * ]
 * ```
 *
 * A run that fires while the previous run of the same experiment on the same platform is still
 * active fails at AcquireLock with `ExperimentAlreadyRunningError`; nothing is provisioned twice.
 *
 * Expressions are EventBridge Scheduler's (./schedule-expression.ts): `cron(minutes hours
 * day-of-month month day-of-week year)` or `rate(value unit)`; `timezone` is an IANA name, UTC
 * without it. Cost: Scheduler's free tier covers 14 million invocations a month; each scheduled
 * run costs what the run itself costs.
 *
 * Validation ({@link loadSchedules}) is per entry and names it: unknown keys, the name, the
 * experiment (one of experiments/) and its parameters (resolved as a run resolves them), the
 * expression, the time zone, repeated names, and the platforms the target can run: for a deployed
 * stage the ones its settings enable (./stage-platforms.ts), never `local`; for `fb serve`
 * (target `local`) `local` and `openfaas`, and rates may be in seconds.
 */
import { z } from 'zod';
import { resolveParams } from '../experiment/params';
import { findExperiment } from '../experiment/registry';
import type { PlatformName } from '../platforms/names';
import { parseScheduleExpression, type ScheduleTarget } from './schedule-expression';
import type { StagePlatforms } from './stage-platforms';

export type { ScheduleTarget } from './schedule-expression';

/** The platforms `fb serve`'s local control plane runs (the cloud ones need the deployed one). */
export const LOCAL_SCHEDULE_PLATFORMS: readonly PlatformName[] = ['local', 'openfaas'];

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/**
 * The shape of one entry of the file for a target: unknown keys are rejected, so a typo in a key
 * fails too; each field is checked on its own, so one entry reports all its bad fields at once.
 */
function scheduleShape(options: ScheduleLoadOptions) {
  const stage = options.stagePlatforms ?? ANY_STAGE;
  return z
    .object({
      /** Unique within the file (case-insensitively); part of the schedule's name. Letters, digits and single dashes, at most 40. */
      name: z
        .string()
        .max(40)
        .regex(/^[a-z0-9](?:-?[a-z0-9])*$/i, 'must be letters and digits, single dashes between them'),
      /** What the schedule is for (shown in the Scheduler console). */
      description: z.string().max(512).optional(),
      /** The experiment's name, as `fb run <experiment>` takes it (a module in experiments/). */
      experiment: z.string().min(1),
      /** The platforms to run on, each once. */
      platforms: z
        .array(z.string().min(1))
        .min(1)
        .refine((platforms) => new Set(platforms).size === platforms.length, 'must not repeat a platform')
        .superRefine((platforms, context) => {
          for (const platform of platforms) {
            const problem = options.target === 'local' ? localPlatformProblem(platform) : deployedPlatformProblem(platform, stage);
            if (problem) context.addIssue({ code: 'custom', message: problem });
          }
        }),
      /** Parameter overrides, applied over the experiment's defaults (and its quick profile). */
      params: z.record(z.string(), z.unknown()).default({}),
      /** Use the experiment's quick profile. */
      quick: z.boolean().default(false),
      /** `cron(…)` (six fields) or `rate(…)`. */
      expression: z.string().superRefine((expression, context) => {
        try {
          parseScheduleExpression(expression, options.target);
        } catch (error) {
          context.addIssue({ code: 'custom', message: error instanceof Error ? error.message : String(error) });
        }
      }),
      /** IANA time zone the expression is evaluated in, e.g. `Europe/Copenhagen`; UTC without it. */
      timezone: z.string().refine(isTimeZone, 'must be an IANA time zone such as Europe/Copenhagen').optional(),
      /** A disabled schedule is deployed (or loaded) but does not fire. */
      enabled: z.boolean(),
    })
    .strict();
}

/** A validated schedule, defaults applied. */
export type ScheduleConfig = z.output<ReturnType<typeof scheduleShape>>;

/** Where the schedules are meant to run, which decides the platforms and units they may use. */
export interface ScheduleLoadOptions {
  /** `deployed` (EventBridge Scheduler) or `local` (`fb serve`). */
  readonly target: ScheduleTarget;
  /** Where the entries came from, the start of every message, e.g. `schedules.json`. */
  readonly source: string;
  /**
   * For `deployed`: the platforms the stage runs, and what each other one lacks.
   *
   * @default - every cloud platform: aws-lambda, azure-functions, openfaas (the stage is unknown, e.g. in `fb schedules`)
   */
  readonly stagePlatforms?: StagePlatforms;
}

/** The schedules are invalid: {@link problems} holds one line per problem, each naming its entry. */
export class ScheduleConfigError extends Error {
  override name = 'ScheduleConfigError';
  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'));
  }
}

const ANY_STAGE: StagePlatforms = { enabled: ['aws-lambda', 'azure-functions', 'openfaas'], missing: { local: 'nothing: the local platform runs only on this machine (fb run, fb serve)' } };

/** The schema of one entry for a target: its shape, then its experiment and parameters. */
function scheduleEntrySchema(options: ScheduleLoadOptions) {
  return scheduleShape(options).superRefine((entry, context) => {
    try {
      resolveParams(findExperiment(entry.experiment), { quick: entry.quick, overrides: entry.params });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      context.addIssue({ code: 'custom', path: [error instanceof Error && error.name === 'UnknownExperimentError' ? 'experiment' : 'params'], message });
    }
  });
}

function localPlatformProblem(platform: string): string | undefined {
  if ((LOCAL_SCHEDULE_PLATFORMS as readonly string[]).includes(platform)) return undefined;
  return `"${platform}" does not run on fb serve — the local control plane runs ${LOCAL_SCHEDULE_PLATFORMS.join(', ')}`;
}

function deployedPlatformProblem(platform: string, stage: StagePlatforms): string | undefined {
  if ((stage.enabled as readonly string[]).includes(platform)) return undefined;
  const runs = `the deployed control plane runs ${stage.enabled.join(', ') || 'no platform'}`;
  const lacking = Object.hasOwn(stage.missing, platform) ? stage.missing[platform as PlatformName] : undefined;
  if (platform === 'local') return `unknown platform "local" — ${runs}; local runs only on this machine (fb run, fb serve)`;
  if (lacking) return `"${platform}" is not configured for this stage (it needs ${lacking}) — ${runs}`;
  return `unknown platform "${platform}" — ${runs}`;
}

/** The RunExperiment input a schedule sends (lib/control-plane/run-input.ts `runInputSchema`). */
export function scheduleRunInput(schedule: ScheduleConfig): {
  experiment: string;
  platforms: string[];
  params: Record<string, unknown>;
  quick: boolean;
} {
  return { experiment: schedule.experiment, platforms: [...schedule.platforms], params: schedule.params, quick: schedule.quick };
}

/**
 * Validate a schedule file's content for a target, filling in defaults. Throws
 * {@link ScheduleConfigError} with one line per problem, each naming its entry, e.g.
 * `schedules.json: schedule "nightly-x": platforms: unknown platform "local" — the deployed control plane runs aws-lambda, …`.
 *
 * @example
 * const schedules = loadSchedules(JSON.parse(text), { target: 'deployed', source: 'schedules.json', stagePlatforms: stagePlatforms(config) });
 */
export function loadSchedules(input: unknown, options: ScheduleLoadOptions): ScheduleConfig[] {
  if (!Array.isArray(input)) throw new ScheduleConfigError([`${options.source}: must be a JSON array of schedules`]);
  const schema = scheduleEntrySchema(options);
  const problems: string[] = [];
  const schedules: ScheduleConfig[] = [];
  const seen = new Map<string, string>();
  input.forEach((entry: unknown, index) => {
    const label = entryLabel(entry, index);
    const result = schema.safeParse(entry);
    if (!result.success) {
      for (const issue of result.error.issues) problems.push(`${options.source}: ${label}: ${issue.path.map(String).join('.') || '(entry)'}: ${issue.message}`);
    } else schedules.push(result.data);
    const name = nameOf(entry);
    if (name === undefined) return;
    const first = seen.get(name.toLowerCase());
    if (first !== undefined) problems.push(`${options.source}: ${label}: name: already used by schedule "${first}" (names are compared without case)`);
    else seen.set(name.toLowerCase(), name);
  });
  if (problems.length) throw new ScheduleConfigError(problems);
  return schedules;
}

/** `schedule "<name>"`, or `schedule #<n>` when the entry has no usable name. */
function entryLabel(entry: unknown, index: number): string {
  const name = nameOf(entry);
  return name === undefined ? `schedule #${index + 1}` : `schedule "${name}"`;
}

function nameOf(entry: unknown): string | undefined {
  const name = entry && typeof entry === 'object' && 'name' in entry ? entry.name : undefined;
  return typeof name === 'string' && name !== '' ? name : undefined;
}
