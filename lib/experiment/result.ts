import { z } from 'zod';

/**
 * An experiment's headline result, stored on its run (`runs.result`), printed at the end of
 * `fb run` and in `fb show`: what it found, in the experiment's own time units (experiment time,
 * not the quick run's scaled real time), and one sentence that says it.
 *
 * @example { metric: 'idle_timeout', value: 160, unit: 's', granularity: 10, sentence: 'cold after 160 s idle (warm at 150 s)' }
 */
export const experimentResultSchema = z.strictObject({
  /** snake_case name of what was measured, e.g. `idle_timeout`, `max_instances`. */
  metric: z.string().regex(/^[a-z][a-z0-9_]*$/, 'must be snake_case'),
  /** The value, or null when the experiment could not determine one (the sentence says why). */
  value: z.number().finite().nullable(),
  /** The lab function the result is about, when it is about one (e.g. whose idle timeout). */
  function: z.string().min(1).optional(),
  /** Its unit: `s`, `ms`, `instances`, `fraction`, … */
  unit: z.string().min(1).max(32),
  /** The resolution of a search's answer, in `unit`. */
  granularity: z.number().finite().positive().optional(),
  /** A confidence interval of the value, in `unit`. */
  ci: z.tuple([z.number().finite(), z.number().finite()]).optional(),
  sentence: z.string().min(1).max(500),
});

export type ExperimentResult = z.infer<typeof experimentResultSchema>;

export class InvalidExperimentResultError extends Error {
  override name = 'InvalidExperimentResultError';
}

/** Validate a result an experiment reports; refuses with the offending field named. */
export function parseExperimentResult(value: unknown): ExperimentResult {
  const parsed = experimentResultSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidExperimentResultError(`result.${issue?.path.join('.') || ''}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}
