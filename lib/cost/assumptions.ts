/**
 * What the estimates assume where a run does not record the quantity itself: how the platforms
 * round what they bill, the sizes of what crosses a cloud's edge, and how many requests the
 * control plane makes per run. Counted from this repository's code on the price table's date;
 * each constant says where it comes from, so it can be recounted when that code changes.
 */
import { type AzureFunctionsPlan, CONSUMPTION_MEMORY_MB, FLEX_DEFAULT_MEMORY_MB } from '../platforms/azure-functions/lab-template';
import { DEFAULT_LAMBDA_MEMORY_MB } from '../platforms/aws-lambda/lab-template';

/** How a platform bills time and memory. */
export interface DurationBilling {
  /** Durations (of each execution; on Flex Consumption, of each activity period) are rounded up to a multiple of this, ms. */
  roundUpToMs: number;
  /** …and billed at least this long, ms. */
  minimumMs: number;
  /** Memory is billed in steps of this many MB (rounded up). */
  memoryStepMb: number;
  /** The memory billed when a row does not say and the run records none (configured default), MB. */
  defaultMemoryMb: number;
}

/** The ways of billing function time this estimate knows: per platform, and per plan on Azure Functions. */
export type BillingModel = 'aws-lambda' | 'azure-functions-consumption' | 'azure-functions-flex-consumption';

/**
 * AWS Lambda: each execution rounded up to 1 ms, at its configured memory.
 *
 * Azure Functions, Consumption plan: each execution at least 100 ms, memory in 128 MB steps. Azure
 * bills the memory the instance used, which the functions do not report, so the 1.5 GB limit is
 * billed: an upper bound.
 *
 * Azure Functions, Flex Consumption plan (on demand; the lab configures no always-ready instances,
 * only maximumInstanceCount): the instance memory size (512, 2048 or 4096 MB, as provisioned, not
 * as used) for as long as the instance is executing functions; executions that overlap on one
 * instance are billed once. Each billable activity period is at least 1,000 ms, rounded up past that
 * to 100 ms ("Azure Functions Flex Consumption plan hosting", Billing,
 * https://learn.microsoft.com/azure/azure-functions/flex-consumption-plan#billing, and "Estimating
 * consumption-based costs", https://learn.microsoft.com/azure/azure-functions/functions-consumption-costs,
 * both read 2026-12-06). From a run's rows the estimate joins each instance's execution intervals
 * (`instance_identifier`, the function's own start and end) into periods and rounds each
 * (ResultsStore.instanceActivity): that is the documented rule applied to what the functions measured,
 * neither a bound nor the bill itself. It can be low: the host's own time around each call (receiving
 * the request before the handler starts, sending the answer after it ends) is active time the
 * functions do not see. It can be high: the documents do not say how far apart two executions must
 * be to make two periods, and the estimate splits at any gap, so two calls a few ms apart each pay
 * the 1 s minimum. When the periods are not known (a prior estimate's dry run), each
 * execution is billed as its own period: an upper bound of the same rule.
 */
export const DURATION_BILLING: Readonly<Record<BillingModel, DurationBilling>> = {
  'aws-lambda': { roundUpToMs: 1, minimumMs: 1, memoryStepMb: 1, defaultMemoryMb: DEFAULT_LAMBDA_MEMORY_MB },
  'azure-functions-consumption': { roundUpToMs: 1, minimumMs: 100, memoryStepMb: 128, defaultMemoryMb: CONSUMPTION_MEMORY_MB },
  'azure-functions-flex-consumption': { roundUpToMs: 100, minimumMs: 1000, memoryStepMb: 1, defaultMemoryMb: FLEX_DEFAULT_MEMORY_MB },
};

/**
 * How a platform's function time is billed: Azure Functions by its plan (none given: Consumption,
 * the plan of runs that recorded none). Undefined for platforms nobody bills (local, openfaas).
 */
export function billingModelOf(platform: string, azurePlan: AzureFunctionsPlan | undefined): BillingModel | undefined {
  if (platform === 'aws-lambda') return 'aws-lambda';
  if (platform === 'azure-functions') return azurePlan === 'flex-consumption' ? 'azure-functions-flex-consumption' : 'azure-functions-consumption';
  return undefined;
}

/**
 * Lambda bills the INIT phase of a cold start (since 1 August 2025, for every runtime); the lab
 * functions do not report its length. A Node.js function of the lab's size initializes in about
 * this long.
 */
export const LAMBDA_INIT_MS_ASSUMED = 250;

/** Sizes of what crosses a cloud's edge, in bytes (HTTP headers and TLS framing included). */
export const TRANSFER_BYTES = {
  /** One request of the agent to a function: headers, API key, a small JSON payload. */
  requestPerCall: 1024,
  /** One answer's headers and envelope. */
  responsePerCall: 512,
  /** One invocation record in an answer (about 40 fields of JSON). */
  perRecord: 1024,
  /** One row of the results file the agent uploads (NDJSON). */
  perResultRow: 1536,
  /** The agent bundle (dist/agent/agent.js, about 1 MB) and its plan, downloaded by each client machine. */
  agentDownload: 1_100_000,
} as const;

/**
 * RDS Data API requests of one deployed run, counted in lib/control-plane/steps.ts and
 * lib/callback: AcquireLock 6 (the abandoned-run check, a transaction of lock, check and insert),
 * ProvisionFunctions 2, StartAgent 6 (status, callback registration, cold time), the callback's
 * upload URL and success 3, CollectResults 14 (status, the import transaction, result, manifest),
 * Teardown 1, FinishRun 4 (run, usage, cost, status).
 */
export const DATA_API_REQUESTS_PER_RUN = 36;

/** How often the agent reports on the deployed control plane (lambdas/shared/environment.ts). */
export const DEPLOYED_HEARTBEAT_INTERVAL_MS = 60_000;

/** Each agent heartbeat is one callback, which reads the run's registration once. */
export const DATA_API_REQUESTS_PER_HEARTBEAT = 1;

/**
 * S3 requests of one deployed run: PUT the plan, the results file and its two staged COPY files
 * (4); GET the plan, the agent bundle, the results file, the two staged files (Aurora's import)
 * and the four lab-function packages (9).
 */
export const S3_REQUESTS_PER_RUN = { put: 4, get: 9 } as const;

/** Bytes in a GB as AWS and Azure bill data transfer (2^30). */
export const BYTES_PER_GB = 1024 ** 3;
