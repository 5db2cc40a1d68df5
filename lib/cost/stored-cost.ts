/**
 * A run's stored cost estimate read back (the report, the UI, `fb show`): the manifest is JSON from
 * the database, so it is checked against the estimate's shape here, once, before anyone renders it.
 */
import { z } from 'zod';
import type { RunRow } from '../results/types';
import { COST_SCHEMA, type CostEstimate } from './types';

const itemSchema = z.object({
  what: z.string(),
  quantity: z.number(),
  unit: z.string(),
  unitPriceUsd: z.number().nullable(),
  usd: z.number().nullable(),
  price: z.object({ listed: z.string(), source: z.string() }).optional(),
  note: z.string().optional(),
});

export const costEstimateSchema = z.object({
  schema: z.literal(COST_SCHEMA),
  kind: z.enum(['actual', 'prior']),
  usd: z.number(),
  complete: z.boolean(),
  items: z.array(itemSchema),
  priceTable: z.string(),
  regions: z.object({ aws: z.string(), azure: z.string() }),
  notes: z.array(z.string()),
  excluded: z.array(z.string()),
  inputs: z.record(z.string(), z.unknown()),
}) satisfies z.ZodType<CostEstimate>;

/** What a run has: its estimate, why it has none (FinishRun could not work it out), or nothing yet. */
export type StoredCost = { estimate: CostEstimate } | { error: string } | undefined;

export function readStoredCost(run: Pick<RunRow, 'manifest'>): StoredCost {
  const stored = run.manifest.cost;
  if (stored === undefined || stored === null) return undefined;
  const failed = z.object({ error: z.string() }).safeParse(stored);
  if (failed.success) return { error: failed.data.error };
  const parsed = costEstimateSchema.safeParse(stored);
  return parsed.success ? { estimate: parsed.data } : { error: `the stored estimate does not have the ${COST_SCHEMA} shape (${parsed.error.issues[0]?.message})` };
}
