/**
 * Experiment schedules: which experiments the deployed control plane starts by itself, and when.
 *
 * Each entry becomes one EventBridge Scheduler schedule (in the stage's schedule group) whose
 * target is `StartExecution` of the `RunExperiment` state machine, with the run input
 * `{ experiment, platforms, params, quick }` — exactly what `fb run` or the console would send,
 * so ValidateInput checks it the same way. Any experiment can therefore run on a schedule by
 * adding an entry to {@link SCHEDULES} and deploying; `enabled: false` keeps the schedule but
 * pauses it.
 *
 * A run that fires while the previous run of the same experiment on the same platform is still
 * active fails at AcquireLock with `ExperimentAlreadyRunningError`; nothing is provisioned twice.
 *
 * Expressions are EventBridge Scheduler's: `cron(minutes hours day-of-month month day-of-week year)`
 * (six fields, one of day-of-month / day-of-week must be `?`) or `rate(value unit)` with unit
 * minute(s), hour(s) or day(s). `timezone` is an IANA name (e.g. `Europe/Copenhagen`); without it
 * cron expressions are evaluated in UTC. Cost: Scheduler's free tier covers 14 million
 * invocations a month; each scheduled run costs what the run itself costs.
 *
 * The list is validated with zod by {@link loadSchedules} when the CDK app starts (bin/app.ts) and
 * in lib/config/schedules.test.ts, so a typo fails synth and CI rather than a deploy.
 */
import { z } from 'zod';

/** One scheduled experiment, as written in {@link SCHEDULES}. */
export interface ScheduleConfigInput {
  /** Unique within the list; part of the schedule's name. Letters, digits and dashes, at most 40. */
  readonly name: string;
  /** What the schedule is for (shown in the Scheduler console). */
  readonly description?: string;
  /** The experiment's name, as `fb run <experiment>` takes it (a module in experiments/). */
  readonly experiment: string;
  /** The platforms to run on, each once. */
  readonly platforms: readonly string[];
  /** Parameter overrides, applied over the experiment's defaults (and its quick profile). */
  readonly params?: Readonly<Record<string, unknown>>;
  /** Use the experiment's quick profile. */
  readonly quick?: boolean;
  /** `cron(…)` (six fields) or `rate(…)`. */
  readonly expression: string;
  /** IANA time zone of a cron expression, e.g. `Europe/Copenhagen`. */
  readonly timezone?: string;
  /** A disabled schedule is deployed but does not fire. */
  readonly enabled: boolean;
}

/**
 * The schedules of the deployed control plane. Empty by default: nothing runs unless asked.
 *
 * @example
 * export const SCHEDULES: readonly ScheduleConfigInput[] = [
 *   {
 *     name: 'nightly-coldstart',
 *     description: 'Cold-start identification every night, on the quick profile',
 *     experiment: 'coldstart-identifier',
 *     platforms: ['local'],
 *     quick: true,
 *     expression: 'cron(0 3 * * ? *)',
 *     timezone: 'Europe/Copenhagen',
 *     enabled: true,
 *   },
 *   {
 *     name: 'weekly-concurrency',
 *     experiment: 'concurrency-benchmarking',
 *     platforms: ['local'],
 *     params: { concurrency: [2, 4, 8, 16] },
 *     expression: 'rate(7 days)',
 *     enabled: false,
 *   },
 * ];
 */
export const SCHEDULES: readonly ScheduleConfigInput[] = [];

/** Scheduler's rate units; the value must be a whole number of at least 1. */
const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
/** Six space-separated fields inside `cron(…)`. */
const CRON = /^cron\(\S+( \S+){5}\)$/;

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** The schema of one schedule: unknown keys are rejected, so a typo in a key fails too. */
export const scheduleConfigSchema = z
  .object({
    name: z
      .string()
      .max(40)
      .regex(/^[a-z0-9](?:-?[a-z0-9])*$/i, 'must be letters and digits, single dashes between them'),
    description: z.string().max(512).optional(),
    experiment: z.string().min(1),
    platforms: z
      .array(z.string().min(1))
      .min(1)
      .refine((platforms) => new Set(platforms).size === platforms.length, 'must not repeat a platform'),
    params: z.record(z.string(), z.unknown()).default({}),
    quick: z.boolean().default(false),
    expression: z
      .string()
      .refine(
        (value) => CRON.test(value) || (RATE.test(value) && Number(RATE.exec(value)?.[1]) >= 1),
        'must be cron(<6 fields>) or rate(<n> minute(s)|hour(s)|day(s)), e.g. cron(0 3 * * ? *) or rate(1 day)',
      ),
    timezone: z.string().refine(isTimeZone, 'must be an IANA time zone such as Europe/Copenhagen').optional(),
    enabled: z.boolean(),
  })
  .strict();

/** A validated schedule, defaults applied. */
export type ScheduleConfig = z.output<typeof scheduleConfigSchema>;

/** The schedule list is invalid; the message names every offending entry and field. */
export class ScheduleConfigError extends Error {
  override name = 'ScheduleConfigError';
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
 * Validate the schedules, filling in defaults. Throws {@link ScheduleConfigError} naming each bad
 * entry (by index and name) and field, and any repeated name.
 *
 * @example
 * const schedules = loadSchedules(SCHEDULES);
 */
export function loadSchedules(input: readonly unknown[] = SCHEDULES): ScheduleConfig[] {
  const result = z.array(scheduleConfigSchema).safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const [index, ...rest] = issue.path;
      const entry = typeof index === 'number' ? input[index] : undefined;
      const name = entry && typeof entry === 'object' && 'name' in entry ? ` (${String(entry.name)})` : '';
      return `schedules[${String(index)}]${name}.${rest.map(String).join('.') || '(entry)'}: ${issue.message}`;
    });
    throw new ScheduleConfigError(`invalid schedules: ${problems.join('; ')}`);
  }
  const seen = new Set<string>();
  for (const schedule of result.data) {
    const key = schedule.name.toLowerCase();
    if (seen.has(key)) throw new ScheduleConfigError(`invalid schedules: the name ${schedule.name} is used twice`);
    seen.add(key);
  }
  return result.data;
}
