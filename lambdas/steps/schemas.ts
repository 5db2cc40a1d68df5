import { z } from 'zod';
import { clientUsageSchema } from '../../lib/agent/client-usage';
import { experimentResultSchema } from '../../lib/experiment/result';

/** What each step Lambda accepts: the state's input after its Parameters/ItemSelector. */
const branchRun = z.object({ runId: z.string().min(1), platform: z.string().min(1) });
const stateError = z.object({ Error: z.string(), Cause: z.string().optional() });

export const validateInputSchema = z.unknown();

export const acquireLockSchema = z.object({
  experiment: z.string().min(1),
  platforms: z.array(z.string().min(1)).min(1),
  params: z.record(z.string(), z.unknown()),
  quick: z.boolean(),
  platformOptions: z.record(z.string(), z.unknown()).default({}),
  executionId: z.string().min(1),
});

export const branchSchema = z.looseObject({
  run: branchRun,
  experiment: z.string().min(1),
  params: z.record(z.string(), z.unknown()),
  quick: z.boolean(),
  platformOptions: z.record(z.string(), z.unknown()).default({}),
  functions: z.record(z.string(), z.unknown()).optional(),
  client: z.record(z.string(), z.unknown()).optional(),
  error: stateError.optional(),
  teardownError: stateError.optional(),
});

/** CheckTeardown's input: the branch with Teardown's answer (when the deletions were started). */
export const teardownCheckSchema = branchSchema.extend({ teardown: z.looseObject({ startedAt: z.string().optional() }).optional() });

export const startAgentSchema = branchSchema.extend({ taskToken: z.string().min(1) });

export const collectResultsSchema = z.object({
  run: branchRun,
  /** CollectPartialResults: the agent failed; keep what it wrote. */
  partial: z.boolean().optional(),
  agent: z.object({
    resultsLocation: z.string().min(1),
    invocations: z.number().int().min(0),
    experimentRows: z.number().int().min(0),
    result: experimentResultSchema.optional(),
    clock: z.object({ offsetMs: z.number(), errorMs: z.number().min(0), samples: z.number().int().min(0) }).optional(),
    forcedCold: z.object({ forced: z.number().int().min(0), mismatches: z.number().int().min(0) }).optional(),
    client: clientUsageSchema.optional(),
  }).optional(),
});

export const releaseLockSchema = z.object({ lock: z.looseObject({ runs: z.array(branchRun) }) });
