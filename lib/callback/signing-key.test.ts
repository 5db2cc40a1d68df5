/** Tests of the callback signing key: its sources (local, Secrets Manager mocked) and that it never shows its bytes. */
import { inspect } from 'node:util';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { CallbackSigningKeyUnavailableError } from './errors';
import { callbackSecretIsAuthentic, createCallbackSecret } from './secrets';
import { callbackSigningKey, localCallbackSigningKey, secretsManagerCallbackKey } from './signing-key';

const smMock = mockClient(SecretsManagerClient);
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:callback-signing-key-AbCdEf';
const KEY_TEXT = 'k3yMaterialThatIsLongEnoughToSignCallbackSecrets0123456789abcdef';

describe('Function: localCallbackSigningKey', () => {
  it('is one key per process, and neither inspecting nor serializing it shows its bytes', () => {
    const key = localCallbackSigningKey();
    expect(localCallbackSigningKey()).toBe(key);
    const bytes = key.export().toString('hex');
    expect(inspect(key)).not.toContain(bytes);
    expect(JSON.stringify({ key })).not.toContain(bytes);
    expect(String(key)).not.toContain(bytes);
  });

  it('refuses keys shorter than 32 bytes', () => {
    expect(() => callbackSigningKey(Buffer.alloc(31))).toThrow(CallbackSigningKeyUnavailableError);
  });
});

describe('Function: secretsManagerCallbackKey', () => {
  beforeEach(() => smMock.reset());

  it('reads the secret once and keeps it; secrets it tags check with the same bytes', async () => {
    // Prepare
    smMock.on(GetSecretValueCommand, { SecretId: SECRET_ARN }).resolves({ SecretString: KEY_TEXT });
    const source = secretsManagerCallbackKey(new SecretsManagerClient({ region: 'eu-west-1' }), SECRET_ARN);

    // Act
    const first = await source();
    const second = await source();

    // Assess
    expect(second).toBe(first);
    expect(smMock.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    const { secret } = createCallbackSecret(first, 'run-1');
    expect(callbackSecretIsAuthentic(callbackSigningKey(Buffer.from(KEY_TEXT, 'utf8')), 'run-1', secret)).toBe(true);
  });

  it('fails with a named 503 error that never holds the value, and reads again on the next use', async () => {
    // Prepare
    smMock.on(GetSecretValueCommand).rejectsOnce(Object.assign(new Error('throttled'), { name: 'ThrottlingException' })).resolves({ SecretString: KEY_TEXT });
    const source = secretsManagerCallbackKey(new SecretsManagerClient({ region: 'eu-west-1' }), SECRET_ARN);

    // Act & Assess
    const failure = await source().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CallbackSigningKeyUnavailableError);
    expect((failure as CallbackSigningKeyUnavailableError).statusCode).toBe(503);
    expect((failure as Error).message).toContain('ThrottlingException');
    await expect(source()).resolves.toBeDefined();
    expect(smMock.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('refuses a secret too short to be a key, without echoing it', async () => {
    smMock.on(GetSecretValueCommand).resolves({ SecretString: 'short-key-value' });
    const source = secretsManagerCallbackKey(new SecretsManagerClient({ region: 'eu-west-1' }), SECRET_ARN);
    const failure = (await source().catch((error: unknown) => error)) as Error;
    expect(failure).toBeInstanceOf(CallbackSigningKeyUnavailableError);
    expect(failure.message).not.toContain('short-key-value');
  });
});
