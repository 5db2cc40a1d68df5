/**
 * What the prior estimate assumes about a cloud platform it has not measured yet: how long an
 * idle instance lives, how slow a cold start and the network are, and how long the run's
 * machinery takes to come up and go away. Used only before a run, to dry-run the experiment
 * (./model-bench.ts) and to add the minutes no experiment sees; after the run, its cost is
 * worked out from what it did (../run-cost.ts).
 *
 * The idle timeouts matter most: the idle-timeout searches run until they find them, so a longer
 * one makes a longer (dearer) run. Published measurements put Lambda's between 5 and 30 minutes
 * and Azure Consumption's near 20; the values here are middle guesses, not findings.
 */

export interface ModelPlatform {
  /** An instance idle this long is gone; the next call makes a new one, s. */
  idleTimeoutSeconds: number;
  /** What a cold start adds to a call, ms. */
  coldStartMs: number;
  /** The client's round trip to the functions (the other cloud, the same continent), ms. */
  networkRttMs: number;
  /** A function's own time beyond what it is asked to sleep or work, ms. */
  executionOverheadMs: number;
  /** From ProvisionFunctions to ready, s. */
  functionsSetupSeconds: number;
  /** From ProvisionClient to a machine that takes commands (Node installed), s. */
  clientSetupSeconds: number;
  /** From the agent's end to the client machine's deletion: collect, teardown, deletion, s. */
  clientWindDownSeconds: number;
}

export const MODEL_PLATFORMS: Readonly<Record<string, ModelPlatform>> = {
  'aws-lambda': {
    idleTimeoutSeconds: 600,
    coldStartMs: 400,
    networkRttMs: 30,
    executionOverheadMs: 2,
    functionsSetupSeconds: 120,
    clientSetupSeconds: 240,
    clientWindDownSeconds: 180,
  },
  'azure-functions': {
    idleTimeoutSeconds: 1200,
    coldStartMs: 2500,
    networkRttMs: 30,
    executionOverheadMs: 5,
    functionsSetupSeconds: 420,
    clientSetupSeconds: 150,
    clientWindDownSeconds: 180,
  },
  openfaas: {
    idleTimeoutSeconds: 1800,
    coldStartMs: 1000,
    networkRttMs: 30,
    executionOverheadMs: 2,
    functionsSetupSeconds: 60,
    clientSetupSeconds: 240,
    clientWindDownSeconds: 180,
  },
  local: {
    idleTimeoutSeconds: 1800,
    coldStartMs: 150,
    networkRttMs: 1,
    executionOverheadMs: 1,
    functionsSetupSeconds: 2,
    clientSetupSeconds: 0,
    clientWindDownSeconds: 1,
  },
};

/** The model of a platform; an unknown one is a RangeError (the platform list is checked before). */
export function modelPlatformOf(platform: string): ModelPlatform {
  const model = MODEL_PLATFORMS[platform];
  if (!model) throw new RangeError(`no model of platform ${platform} for a prior estimate`);
  return model;
}
