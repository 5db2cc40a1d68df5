import { describe, expect, it } from 'vitest';
import { listExperiments } from '../experiment/registry';
import { CLOUD_FUNCTION_LIMITS, FunctionMemoryLimitError, FunctionTimeoutLimitError, LONGEST_CLOUD_TIMEOUT_SECONDS, longestAnswerOf } from './function-limits';
import { InvalidRunInputError, validateRunInput } from './run-input';

const LAMBDA_QUOTAS_URL = 'https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html';
const API_GATEWAY_QUOTAS_URL = 'https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html';
const AZURE_TIMEOUT_URL = 'https://learn.microsoft.com/azure/azure-functions/functions-scale#timeout';
const AZURE_LIMITS_URL = 'https://learn.microsoft.com/azure/azure-functions/functions-scale#service-limits';

const run = (platforms: string[], platformOptions: Record<string, unknown> = {}, experiment = 'linear-invocation', params: Record<string, unknown> = {}) =>
  validateRunInput({ experiment, platforms, params, platformOptions });

/** The refusal of a run, for its class, name and message. */
async function refusalOf(attempt: Promise<unknown>): Promise<Error> {
  const outcome = await attempt.then(
    () => undefined,
    (error: unknown) => error as Error,
  );
  if (!outcome) throw new Error('expected ValidateInput to refuse the run, but it accepted it');
  return outcome;
}

describe.concurrent('Function: validateRunInput, function memory', () => {
  it.each([
    [10_241, 'above', '10240 MB'],
    [64, 'below', '128 MB'],
  ])('refuses memoryMb %i on aws-lambda as %s the range, citing %s and the Lambda quotas', async (memoryMb, side, limit) => {
    const error = await refusalOf(run(['aws-lambda'], { memoryMb }));
    expect(error).toBeInstanceOf(FunctionMemoryLimitError);
    expect(error).toBeInstanceOf(InvalidRunInputError);
    expect(error.name).toBe('FunctionMemoryLimitError');
    expect(error.message).toContain(`${memoryMb} MB is ${side}`);
    expect(error.message).toContain(limit);
    expect(error.message).toContain(LAMBDA_QUOTAS_URL);
  });

  it.each([128, 3008, 10_240])('accepts memoryMb %i on aws-lambda', async (memoryMb) => {
    await expect(run(['aws-lambda'], { memoryMb })).resolves.toMatchObject({ platformOptions: { memoryMb } });
  });

  it('refuses any memoryMb with azure-functions on Consumption, citing its fixed 1536 MB, even beside aws-lambda', async () => {
    const error = await refusalOf(run(['aws-lambda', 'azure-functions'], { memoryMb: 2048, azureFunctionsPlan: 'consumption' }));
    expect(error).toBeInstanceOf(FunctionMemoryLimitError);
    expect(error.message).toContain('azure-functions');
    expect(error.message).toContain('1536 MB');
    expect(error.message).toContain(AZURE_LIMITS_URL);
  });

  it.each([512, 2048, 4096])('accepts memoryMb %i on azure-functions on Flex Consumption, its default plan', async (memoryMb) => {
    await expect(run(['azure-functions'], { memoryMb })).resolves.toMatchObject({ platformOptions: { memoryMb } });
    await expect(run(['azure-functions'], { memoryMb, azureFunctionsPlan: 'flex-consumption' })).resolves.toMatchObject({ platformOptions: { memoryMb } });
  });

  it.each([1024, 1536, 3072])('refuses memoryMb %i on Flex Consumption, naming the sizes it offers and their source', async (memoryMb) => {
    const error = await refusalOf(run(['azure-functions'], { memoryMb }));
    expect(error).toBeInstanceOf(FunctionMemoryLimitError);
    expect(error.message).toContain(`${memoryMb} MB is not offered on azure-functions: one of 512, 2048, 4096 MB`);
    expect(error.message).toContain('https://learn.microsoft.com/azure/azure-functions/flex-consumption-plan#instance-sizes');
  });

  it('refuses a plan azure-functions does not know as bad input', async () => {
    const error = await refusalOf(run(['azure-functions'], { azureFunctionsPlan: 'premium' }));
    expect(error.name).toBe('InvalidRunInputError');
    expect(error.message).toContain('azureFunctionsPlan must be one of flex-consumption, consumption');
  });

  it('refuses a memoryMb that is no whole number as bad input, not as a limit', async () => {
    const error = await refusalOf(run(['aws-lambda'], { memoryMb: 512.5 }));
    expect(error.name).toBe('InvalidRunInputError');
    expect(error.message).toContain('platformOptions.memoryMb');
  });
});

describe.concurrent('Function: validateRunInput, function timeout', () => {
  it('refuses timeoutSeconds 30 on aws-lambda: the REST API answers 504 after 29 s', async () => {
    const error = await refusalOf(run(['aws-lambda'], { timeoutSeconds: 30 }));
    expect(error).toBeInstanceOf(FunctionTimeoutLimitError);
    expect(error.name).toBe('FunctionTimeoutLimitError');
    expect(error.message).toContain('30 s is above');
    expect(error.message).toContain('29 s');
    expect(error.message).toContain(API_GATEWAY_QUOTAS_URL);
  });

  it.each(['flex-consumption', 'consumption'])('refuses timeoutSeconds 231 on azure-functions (%s): an HTTP trigger answers within 230 s', async (azureFunctionsPlan) => {
    const error = await refusalOf(run(['azure-functions'], { timeoutSeconds: 231, azureFunctionsPlan }));
    expect(error).toBeInstanceOf(FunctionTimeoutLimitError);
    expect(error.message).toContain('230 s');
    expect(error.message).toContain(AZURE_TIMEOUT_URL);
  });

  it('names the platform that cannot take a timeout the other can', async () => {
    const error = await refusalOf(run(['azure-functions', 'aws-lambda'], { timeoutSeconds: 60 }));
    expect(error).toBeInstanceOf(FunctionTimeoutLimitError);
    expect(error.message).toContain('on aws-lambda');
  });

  it.each([
    ['aws-lambda', 29],
    ['azure-functions', 230],
  ])('accepts the longest timeout %s allows (%i s)', async (platform, timeoutSeconds) => {
    await expect(run([platform], { timeoutSeconds })).resolves.toMatchObject({ platformOptions: { timeoutSeconds } });
  });

  it.each([0, 2.5, '30'])('refuses timeoutSeconds %j as bad input', async (timeoutSeconds) => {
    const error = await refusalOf(run(['aws-lambda'], { timeoutSeconds }));
    expect(error.name).toBe('InvalidRunInputError');
    expect(error.message).toContain('platformOptions.timeoutSeconds');
  });

  it("keeps each platform's default timeout within what its HTTP front waits for", () => {
    for (const limits of Object.values(CLOUD_FUNCTION_LIMITS)) expect(limits.defaultTimeoutSeconds).toBeLessThanOrEqual(longestAnswerOf(limits).value);
    expect(LONGEST_CLOUD_TIMEOUT_SECONDS).toBe(230);
  });
});

describe.concurrent("Function: validateRunInput, the experiment's calls", () => {
  it('refuses scenario-pyramid with 60 s sleeps on aws-lambda, which no timeout can allow', async () => {
    const error = await refusalOf(run(['aws-lambda'], {}, 'scenario-pyramid', { sleepSeconds: 60 }));
    expect(error).toBeInstanceOf(FunctionTimeoutLimitError);
    expect(error.message).toContain('experiment scenario-pyramid asks for calls of up to 60.05 s');
    expect(error.message).toContain('29 s');
    expect(error.message).toContain(API_GATEWAY_QUOTAS_URL);
  });

  it("refuses them on azure-functions under the deployment's default timeout, saying which timeout would do", async () => {
    const error = await refusalOf(run(['azure-functions'], {}, 'scenario-pyramid', { sleepSeconds: 60 }));
    expect(error).toBeInstanceOf(FunctionTimeoutLimitError);
    expect(error.message).toContain("the deployment's default function timeout on azure-functions (30 s)");
    expect(error.message).toContain('at least 61');
  });

  it('accepts them on azure-functions with a timeout that fits, and on the local platforms', async () => {
    await expect(run(['azure-functions'], { timeoutSeconds: 90 }, 'scenario-pyramid', { sleepSeconds: 60 })).resolves.toMatchObject({ params: { sleepSeconds: 60 } });
    await expect(run(['local', 'openfaas'], {}, 'scenario-pyramid', { sleepSeconds: 60 })).resolves.toMatchObject({ params: { sleepSeconds: 60 } });
  });

  it('counts every nested hop a weakest-link root call waits for', async () => {
    const error = await refusalOf(run(['aws-lambda'], {}, 'weakest-link', { hopThroughputTimeSeconds: 10 }));
    expect(error.message).toContain('calls of up to 30 s');
    await expect(run(['aws-lambda'], {}, 'weakest-link', { hopThroughputTimeSeconds: 9 })).resolves.toMatchObject({ experiment: 'weakest-link' });
  });

  it("refuses a run whose own timeout is shorter than the experiment's calls", async () => {
    const error = await refusalOf(run(['aws-lambda'], { timeoutSeconds: 5 }, 'concurrency-benchmarking', { throughputTimeSeconds: 8 }));
    expect(error.message).toContain('longer than platformOptions.timeoutSeconds on aws-lambda (5 s)');
  });

  it("accepts every experiment's defaults on both clouds", async () => {
    for (const experiment of listExperiments()) {
      await expect(run(['aws-lambda'], {}, experiment.name)).resolves.toMatchObject({ experiment: experiment.name });
      await expect(run(['azure-functions'], {}, experiment.name)).resolves.toMatchObject({ experiment: experiment.name });
    }
  });
});
