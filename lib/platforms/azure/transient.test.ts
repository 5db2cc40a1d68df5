import { describe, expect, it } from 'vitest';
import { NETWORK_ERROR_CODES } from '../../errors/network';
import { azureStatusCode, describeAzureError, isTransientAzureError } from './transient';

const restError = (statusCode: number, code?: string) => Object.assign(new Error(`status ${statusCode}`), { name: 'RestError', statusCode, ...(code ? { code } : {}) });

describe('isTransientAzureError', () => {
  it('retries 408, 429 and 5xx answers, and refuses other answers whatever their code', () => {
    for (const status of [408, 429, 500, 503]) expect(isTransientAzureError(restError(status)), String(status)).toBe(true);
    for (const status of [400, 403, 404, 409]) expect(isTransientAzureError(restError(status, 'ECONNRESET')), String(status)).toBe(false);
  });

  it('retries a request that got no answer, by the one network code list', () => {
    for (const code of NETWORK_ERROR_CODES) expect(isTransientAzureError(Object.assign(new Error(code), { code })), code).toBe(true);
    expect(isTransientAzureError(Object.assign(new Error('x'), { code: 'AuthorizationFailed' }))).toBe(false);
    expect(isTransientAzureError(new Error('bug'))).toBe(false);
  });

  it('reads the status of an AWS error on the way (a lab package read from S3)', () => {
    const s3 = Object.assign(new Error('SlowDown'), { $metadata: { httpStatusCode: 503 } });
    expect(azureStatusCode(s3)).toBe(503);
    expect(isTransientAzureError(s3)).toBe(true);
  });
});

describe('describeAzureError', () => {
  it('names the status and ARM code', () => {
    expect(describeAzureError(restError(404, 'ResourceGroupNotFound'))).toBe('RestError (404 ResourceGroupNotFound): status 404');
    expect(describeAzureError(new Error('plain'))).toBe('Error: plain');
  });
});
