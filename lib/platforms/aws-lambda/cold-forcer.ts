/**
 * Forced cold starts on AWS Lambda: an execution environment is never reused across a change of
 * the function's configuration, so changing one environment variable (`FB_FORCE_COLD`, a fresh
 * value each time) retires every warm instance. UpdateFunctionConfiguration replaces the whole
 * environment, so the current variables are read first and kept; the call returns before the
 * update is done, so the forcer waits until `LastUpdateStatus` is `Successful` (Lambda answers
 * invocations of the old version until then). The control plane does this (the agent has no AWS
 * credentials) when the agent asks through the callback endpoint. IAM: `lambda:GetFunctionConfiguration`
 * and `lambda:UpdateFunctionConfiguration` on the run's functions (`fb-*`).
 */
import { randomUUID } from 'node:crypto';
import { GetFunctionConfigurationCommand, type LambdaClient, UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { LAB_FUNCTION_NAMES } from '../../../lab-functions/names';
import { describe } from '../../errors/describe';
import { isTransientAwsError } from '../aws/transient';
import { ProvisionFailedError, ProvisionTransientError } from '../errors';
import type { ColdForcer } from '../platform';
import { runPrefixOf } from '../run-resources';

export interface LambdaColdForcerOptions {
  lambda: LambdaClient;
  /** How long to wait for the update to be active. @default 60 s */
  timeoutMs?: number;
  /** Between two reads of LastUpdateStatus. @default 1 s */
  pollIntervalMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export class LambdaColdForcer implements ColdForcer {
  constructor(private readonly options: LambdaColdForcerOptions) {}

  async forceCold(runId: string, functionName: string): Promise<void> {
    if (!(LAB_FUNCTION_NAMES as readonly string[]).includes(functionName)) throw new ProvisionFailedError(`no lab function ${functionName}`);
    const name = `${runPrefixOf(runId)}${functionName}`;
    const current = await this.call(`read ${name}`, () => this.options.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name })));
    const variables = { ...(current.Environment?.Variables ?? {}), FB_FORCE_COLD: randomUUID() };
    await this.call(`update ${name}`, () => this.options.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, Environment: { Variables: variables } })));
    const sleep = this.options.sleep ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)));
    const deadline = Date.now() + (this.options.timeoutMs ?? 60_000);
    for (;;) {
      const state = await this.call(`read ${name}`, () => this.options.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name })));
      if (state.LastUpdateStatus === 'Successful') return;
      if (state.LastUpdateStatus === 'Failed') throw new ProvisionFailedError(`updating ${name} failed: ${state.LastUpdateStatusReason ?? 'no reason given'}`);
      if (Date.now() >= deadline) throw new ProvisionTransientError(`updating ${name} was still ${state.LastUpdateStatus ?? 'pending'} after ${this.options.timeoutMs ?? 60_000} ms`);
      await sleep(this.options.pollIntervalMs ?? 1000);
    }
  }

  private async call<T>(what: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      const message = `${what}: ${describe(error)}`;
      throw isTransientAwsError(error) ? new ProvisionTransientError(message) : new ProvisionFailedError(message);
    }
  }
}
