import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { TokenCredential } from '@azure/core-auth';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { AzureCredentialsError, SecretsManagerAzureCredential } from './credential';

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:faas-benchmarker/azure-AbCdEf';
const sm = mockClient(SecretsManagerClient);
beforeEach(() => sm.reset());

function credential() {
  const made: unknown[] = [];
  const fake: TokenCredential = { getToken: async () => ({ token: 'arm-token', expiresOnTimestamp: Date.now() + 3600e3 }) };
  const subject = new SecretsManagerAzureCredential(new SecretsManagerClient({ region: 'eu-west-1' }), ARN, (principal) => {
    made.push(principal);
    return fake;
  });
  return { subject, made };
}

describe('SecretsManagerAzureCredential', () => {
  it('reads the service principal once, on the first token request, and hands out its tokens', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ tenantId: 't', clientId: 'c', clientSecret: 'very-secret' }) });
    const { subject, made } = credential();
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(0);
    expect(await subject.getToken('https://management.azure.com/.default')).toMatchObject({ token: 'arm-token' });
    await subject.getToken('https://management.azure.com/.default');
    expect(sm.commandCalls(GetSecretValueCommand).map((call) => call.args[0].input)).toEqual([{ SecretId: ARN }]);
    expect(made).toEqual([{ tenantId: 't', clientId: 'c', clientSecret: 'very-secret' }]);
  });

  it('names a bad secret without echoing it, and tries again on the next request', async () => {
    sm.on(GetSecretValueCommand).resolvesOnce({ SecretString: JSON.stringify({ tenantId: 't', clientSecret: 'very-secret' }) }).resolvesOnce({ SecretString: 'very-secret' });
    const { subject } = credential();
    const first = (await subject.getToken('scope').then(() => new Error('no error'), (error: unknown) => error)) as Error;
    expect(first).toBeInstanceOf(AzureCredentialsError);
    expect(first.message).toMatch(/bad: clientId/);
    const second = (await subject.getToken('scope').then(() => new Error('no error'), (error: unknown) => error)) as Error;
    expect(second.message).toMatch(/is not JSON/);
    for (const error of [first, second]) expect(error.message).not.toContain('very-secret');
  });

  it('names a secret it may not read', async () => {
    sm.on(GetSecretValueCommand).rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));
    await expect(credential().subject.getToken('scope')).rejects.toThrow(/could not read the Azure credentials secret .*AccessDeniedException: not authorized/);
  });
});
