import { z } from 'zod';
import type { ClockOffset } from '../experiment/clock';
import type { ExperimentResult } from '../experiment/result';
import type { ClientUsage } from './client-usage';
import { providerConfigSchema } from './provider-config';

/**
 * What the control plane sends the agent (RunAgent → StartAgent → the client driver): the one
 * contract between the two, validated by the agent when it starts. The agent answers through the
 * callback endpoint ({@link AgentOutcome} on success) and writes its rows to the results file
 * (./results-file.ts).
 */
export const planSchema = z.object({
  runId: z.string().min(1),
  experiment: z.string().min(1),
  params: z.record(z.string(), z.unknown()),
  quick: z.boolean(),
  /** How to reach the functions: the provider config (a gateway, an API Gateway URL and key, function URLs and keys). */
  target: providerConfigSchema,
  resultsLocation: z.string().min(1),
  resultsUploadUrl: z.string().url().optional(),
  callback: z.object({ url: z.string().url(), runId: z.string().min(1), secret: z.string().min(1) }),
  heartbeatIntervalMs: z.number().int().positive(),
  /** Lines the agent prints first in its log: what the control plane decided for this run (e.g. its cold time and where it came from). */
  notes: z.array(z.string()).optional(),
});

/** The agent's plan. */
export type AgentPlan = z.infer<typeof planSchema>;

/** What the agent reports with its success callback, and CollectResults reads its rows from. */
export interface AgentOutcome {
  resultsLocation: string;
  invocations: number;
  experimentRows: number;
  /** The experiment's headline result, when it reported one. */
  result?: ExperimentResult;
  /** The functions' clock offset from the client's, when any call was answered. */
  clock?: ClockOffset;
  /** Cold starts the experiment forced, and how many the next call's `cold` flag contradicted. */
  forcedCold?: { forced: number; mismatches: number };
  /** The client machine (CPU model, cores) and the agent's own CPU use over the run. */
  client?: ClientUsage;
}
