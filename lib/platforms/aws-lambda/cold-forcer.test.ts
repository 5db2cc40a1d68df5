import { GetFunctionConfigurationCommand, LambdaClient, UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ProvisionFailedError, ProvisionTransientError } from '../errors';
import { LambdaColdForcer } from './cold-forcer';

const lambda = mockClient(LambdaClient);
const RUN_ID = '3f2a9c1d-0000-4000-8000-000000000001';
const forcer = (timeoutMs = 5000) => new LambdaColdForcer({ lambda: new LambdaClient({ region: 'eu-west-1' }), timeoutMs, pollIntervalMs: 1, sleep: async () => undefined });

beforeEach(() => lambda.reset());

describe('LambdaColdForcer', () => {
  it('changes FB_FORCE_COLD, keeping every other variable, and waits until the update is Successful', async () => {
    lambda
      .on(GetFunctionConfigurationCommand)
      .resolvesOnce({ Environment: { Variables: { FB_FUNCTION_PREFIX: 'fb-3f2a9c1d-', FB_FORCE_COLD: 'old' } }, LastUpdateStatus: 'Successful' })
      .resolvesOnce({ LastUpdateStatus: 'InProgress' })
      .resolvesOnce({ LastUpdateStatus: 'InProgress' })
      .resolves({ LastUpdateStatus: 'Successful' });
    lambda.on(UpdateFunctionConfigurationCommand).resolves({ LastUpdateStatus: 'InProgress' });
    await forcer().forceCold(RUN_ID, 'function2');
    const update = lambda.commandCalls(UpdateFunctionConfigurationCommand);
    expect(update).toHaveLength(1);
    const variables = update[0]?.args[0].input.Environment?.Variables ?? {};
    expect(update[0]?.args[0].input.FunctionName).toBe('fb-3f2a9c1d-function2');
    expect(variables.FB_FUNCTION_PREFIX).toBe('fb-3f2a9c1d-');
    expect(variables.FB_FORCE_COLD).toMatch(/^[0-9a-f-]{36}$/);
    expect(lambda.commandCalls(GetFunctionConfigurationCommand)).toHaveLength(4);
  });

  it('fails with the reason when the update fails, and as transient when it does not finish in time or Lambda throttles', async () => {
    lambda.on(GetFunctionConfigurationCommand).resolvesOnce({}).resolves({ LastUpdateStatus: 'Failed', LastUpdateStatusReason: 'EniLimitExceeded' });
    lambda.on(UpdateFunctionConfigurationCommand).resolves({});
    await expect(forcer().forceCold(RUN_ID, 'function1')).rejects.toThrow(/EniLimitExceeded/);
    await expect(forcer().forceCold(RUN_ID, 'function1')).rejects.toBeInstanceOf(ProvisionFailedError);

    lambda.reset();
    lambda.on(GetFunctionConfigurationCommand).resolves({ LastUpdateStatus: 'InProgress' });
    lambda.on(UpdateFunctionConfigurationCommand).resolves({});
    await expect(forcer(0).forceCold(RUN_ID, 'function1')).rejects.toBeInstanceOf(ProvisionTransientError);

    lambda.reset();
    lambda.on(GetFunctionConfigurationCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException', $metadata: { httpStatusCode: 429 } }));
    await expect(forcer().forceCold(RUN_ID, 'function1')).rejects.toBeInstanceOf(ProvisionTransientError);
    expect(lambda.commandCalls(UpdateFunctionConfigurationCommand)).toHaveLength(0);
  });

  it('refuses a function that is not a lab function, calling nothing', async () => {
    await expect(forcer().forceCold(RUN_ID, 'other')).rejects.toBeInstanceOf(ProvisionFailedError);
    expect(lambda.calls()).toHaveLength(0);
  });
});
