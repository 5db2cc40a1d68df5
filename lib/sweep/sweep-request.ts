/**
 * What the deployed sweeper Lambda takes (from its schedule, or `fb sweep --stage`) and answers,
 * validated at both ends: the request here, the report by the CLI.
 */
import { z } from 'zod';

/** The sweeper Lambda's event: `{ dryRun?: boolean }` (the schedule sends `{ dryRun: false }`). */
export const sweepRequestSchema = z.object({ dryRun: z.boolean().default(false) }).passthrough();

const kindSchema = z.enum(['cloudformation-stack', 'ec2-instance', 'resource-group', 'openfaas-function', 'local-run', 'plan-file']);
const lineSchema = z.object({ kind: kindSchema, id: z.string(), runId: z.string().optional(), why: z.string(), expiredAt: z.string().optional() });

/** A {@link SweepReport} as JSON (lib/sweep/sweep.ts). */
export const sweepReportSchema = z.object({
  dryRun: z.boolean(),
  sweptAt: z.string(),
  removed: z.array(lineSchema),
  kept: z.array(lineSchema),
  failed: z.array(lineSchema.extend({ error: z.string() })),
});
