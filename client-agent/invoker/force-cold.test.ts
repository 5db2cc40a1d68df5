import { describe, expect, it } from 'vitest';
import type { InvocationRecord, ResponseBody } from '../../lab-functions/core/records';
import { startTestPlatform } from '../../test-support/platform';
import { createProvider } from '../providers';
import { ForceColdFailedError, ForceColdUnsupportedError, Invoker } from './invoker';

function rootOf(bodyText: string | null): InvocationRecord {
  const body = JSON.parse(bodyText ?? 'null') as ResponseBody;
  return body[body.root_identifier] as InvocationRecord;
}

describe('Invoker.forceCold', () => {
  it.each(['lambda', 'openfaas'] as const)('makes the next call cold every time on the %s profile (scale to zero through the gateway)', async (profile) => {
    const platform = await startTestPlatform({ profile, idleTimeoutMs: 60_000 });
    const invoker = new Invoker(createProvider({ platform: 'local', gatewayUrl: platform.url, basicAuth: platform.credentials }));
    try {
      const cold: boolean[] = [];
      for (let round = 0; round < 4; round++) {
        cold.push(rootOf((await invoker.invoke('function2', {})).bodyText).cold);
        cold.push(rootOf((await invoker.invoke('function2', {})).bodyText).cold);
        await invoker.forceCold('function2');
      }
      // Round 1's first call is the instance's first anyway; every round after starts cold only because it was forced.
      expect(cold).toEqual([true, false, true, false, true, false, true, false]);
      const evicted = platform.platform.events.since(0).filter((event) => event.type === 'instance-evicted');
      expect(evicted.map((event) => event.reason)).toEqual(['scaled-down', 'scaled-down', 'scaled-down', 'scaled-down']);
    } finally {
      await invoker.close();
    }
  });

  it('fails with the gateway’s answer, the credential redacted, when it lacks the credential', async () => {
    const platform = await startTestPlatform();
    const wrong = { user: 'admin', password: 'not-the-password-0123456789' };
    const invoker = new Invoker(createProvider({ platform: 'local', gatewayUrl: platform.url, basicAuth: wrong }));
    try {
      const error = await invoker.forceCold('function1').catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ForceColdFailedError);
      expect((error as Error).message).toContain('answered 401');
      expect((error as Error).message).not.toContain(wrong.password);
    } finally {
      await invoker.close();
    }
  });

  it('is refused where the agent cannot force a cold start', async () => {
    const invoker = new Invoker(createProvider({ platform: 'aws-lambda', invokeUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod', apiKey: 'k'.repeat(40) }));
    await expect(invoker.forceCold('function1')).rejects.toBeInstanceOf(ForceColdUnsupportedError);
    await invoker.close();
  });
});
