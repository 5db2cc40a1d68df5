/**
 * The key callback secrets are tagged with (./secrets.ts): one per deployment, known only to the
 * issuer (StartAgent) and the callback endpoint.
 * - Locally: {@link localCallbackSigningKey}, random, made once per control-plane process and
 *   never written anywhere.
 * - Deployed: a Secrets Manager secret the stack generates (lib/constructs/callback-endpoint.ts),
 *   read by {@link secretsManagerCallbackKey} on first use and then kept for the life of the Lambda
 *   container; a failed read is tried again on the next use.
 *
 * The key is a `KeyObject`: logging or serializing it shows no key material.
 */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createSecretKey, type KeyObject, randomBytes } from 'node:crypto';
import { CallbackSigningKeyUnavailableError } from './errors';

/** Fewest bytes a signing key may have (that of HMAC-SHA256's output). */
export const CALLBACK_SIGNING_KEY_MIN_BYTES = 32;

/** Where a signing key comes from: called per use, resolves the same key every time. */
export type CallbackSigningKeySource = () => Promise<KeyObject>;

/** A signing key of `bytes` (at least {@link CALLBACK_SIGNING_KEY_MIN_BYTES}). */
export function callbackSigningKey(bytes: Buffer): KeyObject {
  if (bytes.length < CALLBACK_SIGNING_KEY_MIN_BYTES) {
    throw new CallbackSigningKeyUnavailableError(`a callback signing key needs at least ${CALLBACK_SIGNING_KEY_MIN_BYTES} bytes, got ${bytes.length}`);
  }
  return createSecretKey(Buffer.from(bytes));
}

let processKey: KeyObject | undefined;

/** This process's random signing key (the local control plane's): the same for every call. */
export function localCallbackSigningKey(): KeyObject {
  processKey ??= callbackSigningKey(randomBytes(CALLBACK_SIGNING_KEY_MIN_BYTES));
  return processKey;
}

/** A source that always resolves `key`. */
export function fixedCallbackSigningKey(key: KeyObject): CallbackSigningKeySource {
  return () => Promise.resolve(key);
}

/**
 * A source reading the key from Secrets Manager secret `secretArn` (its `SecretString`, UTF-8) on
 * first use and keeping it. Errors name the secret, never its value.
 */
export function secretsManagerCallbackKey(client: SecretsManagerClient, secretArn: string): CallbackSigningKeySource {
  let key: Promise<KeyObject> | undefined;
  return () => {
    key ??= readKey(client, secretArn).catch((error: unknown) => {
      key = undefined; // try again on the next use
      throw error;
    });
    return key;
  };
}

async function readKey(client: SecretsManagerClient, secretArn: string): Promise<KeyObject> {
  let text: string | undefined;
  try {
    ({ SecretString: text } = await client.send(new GetSecretValueCommand({ SecretId: secretArn })));
  } catch (error) {
    throw new CallbackSigningKeyUnavailableError(`could not read the callback signing key ${secretArn}: ${error instanceof Error ? error.name : 'unknown error'}`, { cause: error });
  }
  const bytes = Buffer.from(text ?? '', 'utf8');
  if (bytes.length < CALLBACK_SIGNING_KEY_MIN_BYTES) {
    throw new CallbackSigningKeyUnavailableError(`the callback signing key ${secretArn} has fewer than ${CALLBACK_SIGNING_KEY_MIN_BYTES} bytes`);
  }
  return callbackSigningKey(bytes);
}
