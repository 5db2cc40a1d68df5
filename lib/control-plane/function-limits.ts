/**
 * The cloud platforms' function limits a run must fit, checked at ValidateInput rather than found
 * at ProvisionFunctions (CloudFormation refusing a memory size) or hours into a run (every call
 * answered 504 by the HTTP front). Each limit carries where it comes from, and each refusal says
 * the limit and its source.
 *
 * A function's effective timeout is the run's `platformOptions.timeoutSeconds`, else the
 * deployment's default; it must fit the HTTP front the client calls through (API Gateway's REST
 * integration timeout on aws-lambda, the load balancer's idle timeout on azure-functions), which is
 * shorter than either function platform's own maximum. An experiment that declares how long its
 * calls take (`longestCallSeconds`, lib/experiment/define.ts) must fit that effective timeout.
 */
import { API_GATEWAY_INTEGRATION_TIMEOUT_SECONDS, DEFAULT_LAMBDA_TIMEOUT_SECONDS, LAMBDA_MEMORY_MB, LAMBDA_TIMEOUT_SECONDS } from '../platforms/aws-lambda/lab-template';
import {
  AZURE_FUNCTIONS_PLANS,
  type AzureFunctionsPlan,
  CONSUMPTION_MAX_TIMEOUT_SECONDS,
  CONSUMPTION_MEMORY_MB,
  DEFAULT_AZURE_FUNCTIONS_PLAN,
  DEFAULT_AZURE_TIMEOUT_SECONDS,
  FLEX_MEMORY_MB,
  HTTP_TRIGGER_MAX_RESPONSE_SECONDS,
} from '../platforms/azure-functions/lab-template';
import { InvalidRunInputError } from './run-input-error';

/** A run's function timeout above what the platform or its HTTP front can wait for. */
export class FunctionTimeoutLimitError extends InvalidRunInputError {
  override name = 'FunctionTimeoutLimitError';
}

/** A run's function memory outside what the platform offers. */
export class FunctionMemoryLimitError extends InvalidRunInputError {
  override name = 'FunctionMemoryLimitError';
}

/** One limit: its value, what it is, and the document that states it. */
export interface SourcedLimit {
  value: number;
  unit: 's' | 'MB';
  /** What the limit is, e.g. "the REST API's integration timeout". */
  what: string;
  /** Where the provider states it: a title and an address. */
  source: string;
}

/** What a cloud platform allows its lab functions. */
export interface CloudFunctionLimits {
  /** The function timeout when the run names none (the deployment's), s. */
  defaultTimeoutSeconds: number;
  /** The longest timeout the function platform itself allows, s. */
  functionTimeoutSeconds: SourcedLimit;
  /** The longest the HTTP front in front of the functions waits for an answer, s. */
  httpFrontSeconds: SourcedLimit;
  /**
   * The memory a run may choose (`range`, or one of `choices`), or the platform's fixed memory that
   * a run may not choose (`fixed`), MB.
   */
  memoryMb:
    | { kind: 'range'; min: SourcedLimit; max: SourcedLimit }
    | { kind: 'choices'; choices: readonly number[]; what: string; source: string }
    | { kind: 'fixed'; fixed: SourcedLimit };
}

const LAMBDA_QUOTAS = 'AWS Lambda quotas, https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html';
const API_GATEWAY_QUOTAS = 'Amazon API Gateway quotas, https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html';
const AZURE_FUNCTIONS_TIMEOUT = 'Azure Functions hosting options, function app timeout duration, https://learn.microsoft.com/azure/azure-functions/functions-scale#timeout';
const AZURE_FUNCTIONS_LIMITS = 'Azure Functions hosting options, service limits, https://learn.microsoft.com/azure/azure-functions/functions-scale#service-limits';
const FLEX_CONSUMPTION_MEMORY = 'Azure Functions Flex Consumption plan hosting, instance sizes, https://learn.microsoft.com/azure/azure-functions/flex-consumption-plan#instance-sizes';

const AZURE_HTTP_FRONT: SourcedLimit = {
  value: HTTP_TRIGGER_MAX_RESPONSE_SECONDS,
  unit: 's',
  what: 'the longest an HTTP-triggered function may take to answer, whatever its functionTimeout (the load balancer idle timeout)',
  source: AZURE_FUNCTIONS_TIMEOUT,
};

/** Azure Functions' limits per hosting plan (platformOptions.azureFunctionsPlan). */
export const AZURE_FUNCTIONS_LIMITS_BY_PLAN = {
  'flex-consumption': {
    defaultTimeoutSeconds: DEFAULT_AZURE_TIMEOUT_SECONDS,
    // Unbounded on Flex Consumption; the HTTP front (230 s) is what bounds the lab's functions.
    functionTimeoutSeconds: { value: Number.POSITIVE_INFINITY, unit: 's', what: "the Flex Consumption plan's functionTimeout (unbounded)", source: AZURE_FUNCTIONS_TIMEOUT },
    httpFrontSeconds: AZURE_HTTP_FRONT,
    memoryMb: { kind: 'choices', choices: FLEX_MEMORY_MB, what: 'the instance memory sizes the lab offers on the Flex Consumption plan', source: FLEX_CONSUMPTION_MEMORY },
  },
  consumption: {
    defaultTimeoutSeconds: DEFAULT_AZURE_TIMEOUT_SECONDS,
    functionTimeoutSeconds: { value: CONSUMPTION_MAX_TIMEOUT_SECONDS, unit: 's', what: "the Consumption plan's longest functionTimeout", source: AZURE_FUNCTIONS_TIMEOUT },
    httpFrontSeconds: AZURE_HTTP_FRONT,
    memoryMb: { kind: 'fixed', fixed: { value: CONSUMPTION_MEMORY_MB, unit: 'MB', what: 'the fixed memory of a Linux Consumption instance', source: AZURE_FUNCTIONS_LIMITS } },
  },
} as const satisfies Record<AzureFunctionsPlan, CloudFunctionLimits>;

/** The cloud platforms whose function limits ValidateInput knows, and those limits. */
export const CLOUD_FUNCTION_LIMITS = {
  'aws-lambda': {
    defaultTimeoutSeconds: DEFAULT_LAMBDA_TIMEOUT_SECONDS,
    functionTimeoutSeconds: { value: LAMBDA_TIMEOUT_SECONDS.max, unit: 's', what: "AWS Lambda's longest function timeout", source: LAMBDA_QUOTAS },
    httpFrontSeconds: {
      value: API_GATEWAY_INTEGRATION_TIMEOUT_SECONDS,
      unit: 's',
      what: "the REST API's integration timeout (API Gateway's default; the lab stack's REST API keeps it)",
      source: API_GATEWAY_QUOTAS,
    },
    memoryMb: {
      kind: 'range',
      min: { value: LAMBDA_MEMORY_MB.min, unit: 'MB', what: 'the least memory AWS Lambda gives a function', source: LAMBDA_QUOTAS },
      max: { value: LAMBDA_MEMORY_MB.max, unit: 'MB', what: 'the most memory AWS Lambda gives a function', source: LAMBDA_QUOTAS },
    },
  },
  /** On its default plan; {@link limitsFor} picks the run's plan. */
  'azure-functions': AZURE_FUNCTIONS_LIMITS_BY_PLAN[DEFAULT_AZURE_FUNCTIONS_PLAN],
} as const satisfies Record<string, CloudFunctionLimits>;

/**
 * The limits a run's functions must fit on a platform: azure-functions' depend on the run's
 * platformOptions.azureFunctionsPlan (refused unless it names a plan). Undefined for platforms
 * without known limits.
 */
export function limitsFor(platform: string, platformOptions: Record<string, unknown>): CloudFunctionLimits | undefined {
  if (platform !== 'azure-functions') return (CLOUD_FUNCTION_LIMITS as Record<string, CloudFunctionLimits>)[platform];
  const plan = platformOptions.azureFunctionsPlan ?? DEFAULT_AZURE_FUNCTIONS_PLAN;
  if (!(AZURE_FUNCTIONS_PLANS as readonly unknown[]).includes(plan)) {
    throw new InvalidRunInputError(`platformOptions.azureFunctionsPlan must be one of ${AZURE_FUNCTIONS_PLANS.join(', ')}, got ${JSON.stringify(plan)}`);
  }
  return AZURE_FUNCTIONS_LIMITS_BY_PLAN[plan as AzureFunctionsPlan];
}

/** The longest a call may take on a platform, s: the shorter of its function timeout and its HTTP front. */
export function longestAnswerOf(limits: CloudFunctionLimits): SourcedLimit {
  return limits.httpFrontSeconds.value <= limits.functionTimeoutSeconds.value ? limits.httpFrontSeconds : limits.functionTimeoutSeconds;
}

/** The largest timeout any cloud platform can use, s (the published contract's upper bound). */
export const LONGEST_CLOUD_TIMEOUT_SECONDS = Math.max(...Object.values(CLOUD_FUNCTION_LIMITS).map((limits) => longestAnswerOf(limits).value));

/** A limit as a refusal states it: value, unit, what it is and its source. */
const cite = (limit: SourcedLimit) => `${limit.value} ${limit.unit}, ${limit.what} (${limit.source})`;

/** What the run's experiment needs of its functions. */
export interface ExperimentCallNeed {
  experiment: string;
  /** The longest one call takes with the run's parameters, s (the experiment's `longestCallSeconds`). */
  longestCallSeconds?: number;
}

/**
 * Refuse a run whose functions cannot work on one of its cloud platforms: memory the platform does
 * not offer, a timeout above what its HTTP front waits for, or calls longer than the effective
 * timeout. Platforms without known limits (local, openfaas) are not checked here.
 */
export function checkFunctionLimits(platforms: readonly string[], platformOptions: Record<string, unknown>, need: ExperimentCallNeed): void {
  for (const platform of platforms) {
    const limits = limitsFor(platform, platformOptions);
    if (!limits) continue;
    checkMemory(platform, limits, platformOptions.memoryMb);
    const timeoutSeconds = checkTimeout(platform, limits, platformOptions.timeoutSeconds);
    checkCalls(platform, limits, timeoutSeconds, platformOptions.timeoutSeconds !== undefined, need);
  }
}

function checkMemory(platform: string, limits: CloudFunctionLimits, memoryMb: unknown): void {
  if (memoryMb === undefined) return;
  if (limits.memoryMb.kind === 'fixed') {
    throw new FunctionMemoryLimitError(`platformOptions.memoryMb cannot apply on ${platform}: ${cite(limits.memoryMb.fixed)}; leave memoryMb out to run ${platform}`);
  }
  if (typeof memoryMb !== 'number' || !Number.isInteger(memoryMb)) throw new InvalidRunInputError(`platformOptions.memoryMb must be a whole number of MB, got ${JSON.stringify(memoryMb)}`);
  if (limits.memoryMb.kind === 'choices') {
    const { choices, what, source } = limits.memoryMb;
    if (!choices.includes(memoryMb)) throw new FunctionMemoryLimitError(`platformOptions.memoryMb ${memoryMb} MB is not offered on ${platform}: one of ${choices.join(', ')} MB, ${what} (${source})`);
    return;
  }
  const { min, max } = limits.memoryMb;
  if (memoryMb > max.value) throw new FunctionMemoryLimitError(`platformOptions.memoryMb ${memoryMb} MB is above what ${platform} offers: ${cite(max)}`);
  if (memoryMb < min.value) throw new FunctionMemoryLimitError(`platformOptions.memoryMb ${memoryMb} MB is below what ${platform} offers: ${cite(min)}`);
}

/** The effective timeout on the platform, s, once it is known to fit. */
function checkTimeout(platform: string, limits: CloudFunctionLimits, timeoutSeconds: unknown): number {
  if (timeoutSeconds === undefined) return limits.defaultTimeoutSeconds;
  if (typeof timeoutSeconds !== 'number' || !Number.isInteger(timeoutSeconds) || timeoutSeconds < 1) {
    throw new InvalidRunInputError(`platformOptions.timeoutSeconds must be a whole number of seconds, at least 1, got ${JSON.stringify(timeoutSeconds)}`);
  }
  const longest = longestAnswerOf(limits);
  if (timeoutSeconds > longest.value) {
    throw new FunctionTimeoutLimitError(`platformOptions.timeoutSeconds ${timeoutSeconds} s is above the longest a call can last on ${platform}: ${cite(longest)}`);
  }
  return timeoutSeconds;
}

function checkCalls(platform: string, limits: CloudFunctionLimits, timeoutSeconds: number, chosen: boolean, need: ExperimentCallNeed): void {
  const callSeconds = need.longestCallSeconds;
  if (callSeconds === undefined || callSeconds <= timeoutSeconds) return;
  const asked = `experiment ${need.experiment} asks for calls of up to ${callSeconds} s with these parameters`;
  const longest = longestAnswerOf(limits);
  if (callSeconds > longest.value) throw new FunctionTimeoutLimitError(`${asked}, longer than any call can last on ${platform}: ${cite(longest)}; shorten the calls or leave ${platform} out`);
  const whose = chosen ? 'platformOptions.timeoutSeconds' : "the deployment's default function timeout";
  throw new FunctionTimeoutLimitError(`${asked}, longer than ${whose} on ${platform} (${timeoutSeconds} s); set platformOptions.timeoutSeconds to at least ${Math.ceil(callSeconds)} (at most ${longest.value})`);
}
