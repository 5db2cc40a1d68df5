/**
 * The runs list's filters, from query parameters (`/runs?…` and `/api/runs?…`), validated once
 * here with zod into ResultsStore.listRuns options. Empty fields (what an HTML form sends for a
 * field left blank) mean "no filter"; unknown parameters are refused, so a typo never silently
 * lists everything.
 *
 * Dates: `from` and `to` take a day (`2026-12-05`, UTC) or a time (`2026-12-05T14:00:00Z`).
 * `from` is the first instant included; a `to` day is included whole, a `to` time is the first
 * instant excluded.
 */
import { z } from 'zod';
import { PLATFORMS } from '../lib/platforms/names';
import { type ListRunsOptions, RUN_STATUSES } from '../lib/results/types';

export class InvalidRunFiltersError extends Error {
  override name = 'InvalidRunFiltersError';
}

export const DEFAULT_RUNS_LIMIT = 100;
export const MAX_RUNS_LIMIT = 1000;

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/;

/** A valid calendar day or an ISO 8601 time with its zone. */
const dateOrTime = z
  .string()
  .refine((value) => (DAY.test(value) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value)) || (TIME.test(value) && !Number.isNaN(Date.parse(value))), {
    message: 'must be a day (YYYY-MM-DD) or a time (YYYY-MM-DDTHH:MM[:SS]Z)',
  });

const filtersSchema = z
  .strictObject({
    experiment: z.string().max(200).regex(/^[\w.-]+$/, 'must be an experiment name (letters, digits, ".", "_", "-")').optional(),
    platform: z.enum(PLATFORMS).optional(),
    status: z.enum(RUN_STATUSES).optional(),
    from: dateOrTime.optional(),
    to: dateOrTime.optional(),
    limit: z
      .string()
      .regex(/^\d+$/, `must be a whole number from 1 to ${MAX_RUNS_LIMIT}`)
      .transform(Number)
      .pipe(z.number().int().min(1).max(MAX_RUNS_LIMIT))
      .optional(),
  })
  .transform((filters) => ({ ...filters, fromMs: startOf(filters.from), toMs: endOf(filters.to) }))
  .refine((filters) => filters.fromMs === undefined || filters.toMs === undefined || filters.fromMs < filters.toMs, { message: '"from" must be before "to"', path: ['from'] });

/** The parsed filters: the store's options and the values to show back in the form. */
export interface RunFilters {
  options: ListRunsOptions & { limit: number };
  /** Each given filter as the user wrote it (for the form and for links). */
  form: Partial<Record<'experiment' | 'platform' | 'status' | 'from' | 'to' | 'limit', string>>;
}

function startOf(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  return DAY.test(value) ? Date.parse(`${value}T00:00:00Z`) : Date.parse(value);
}

function endOf(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  return DAY.test(value) ? Date.parse(`${value}T00:00:00Z`) + 24 * 3600 * 1000 : Date.parse(value);
}

/**
 * Parse the query parameters of a runs list.
 * @throws InvalidRunFiltersError naming each bad parameter and what it must be.
 */
export function parseRunFilters(query: Record<string, string | undefined>): RunFilters {
  const given = Object.fromEntries(Object.entries(query).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1].trim() !== '').map(([key, value]) => [key, value.trim()]));
  const parsed = filtersSchema.safeParse(given);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      if (issue.code === 'unrecognized_keys') return `unknown filter ${issue.keys.map((key) => JSON.stringify(key)).join(', ')} (use experiment, platform, status, from, to, limit)`;
      const field = issue.path.map(String).join('.') || 'filters';
      return `${field}: ${issue.message}`;
    });
    throw new InvalidRunFiltersError(`bad runs filter: ${problems.join('; ')}`);
  }
  const { experiment, platform, status, fromMs, toMs, limit } = parsed.data;
  const options: RunFilters['options'] = { limit: limit ?? DEFAULT_RUNS_LIMIT };
  if (experiment !== undefined) options.experiment = experiment;
  if (platform !== undefined) options.platform = platform;
  if (status !== undefined) options.status = status;
  if (fromMs !== undefined) options.startedFrom = new Date(fromMs).toISOString();
  if (toMs !== undefined) options.startedBefore = new Date(toMs).toISOString();
  return { options, form: given as RunFilters['form'] };
}
