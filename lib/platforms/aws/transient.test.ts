import { CloudFormationServiceException } from '@aws-sdk/client-cloudformation';
import { describe, expect, it } from 'vitest';
import { NETWORK_ERROR_CODES } from '../../errors/network';
import { isTransientAwsError } from './transient';

const serviceError = (name: string, status: number, fault: 'client' | 'server' = status >= 500 ? 'server' : 'client') =>
  new CloudFormationServiceException({ name, message: name, $fault: fault, $metadata: { httpStatusCode: status } });

describe('isTransientAwsError', () => {
  it('retries throttling, server faults, 5xx and 429, timeouts and $retryable errors', () => {
    for (const name of ['Throttling', 'ThrottlingException', 'TooManyRequestsException', 'RequestLimitExceeded', 'SlowDown']) expect(isTransientAwsError(serviceError(name, 400)), name).toBe(true);
    expect(isTransientAwsError(serviceError('InternalFailure', 500))).toBe(true);
    expect(isTransientAwsError(serviceError('ServiceUnavailable', 503))).toBe(true);
    expect(isTransientAwsError(Object.assign(new Error('Rate exceeded'), { $metadata: { httpStatusCode: 429 } }))).toBe(true);
    expect(isTransientAwsError(Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }))).toBe(true);
    expect(isTransientAwsError(Object.assign(new Error('x'), { $retryable: { throttling: false } }))).toBe(true);
  });

  it('retries every network error code of the one list, undici’s UND_ERR_SOCKET included', () => {
    expect([...NETWORK_ERROR_CODES]).toContain('UND_ERR_SOCKET');
    for (const code of NETWORK_ERROR_CODES) expect(isTransientAwsError(Object.assign(new Error(code), { code })), code).toBe(true);
  });

  it('does not retry refusals, validation errors or anything that is not an AWS failure', () => {
    expect(isTransientAwsError(serviceError('AccessDenied', 403))).toBe(false);
    expect(isTransientAwsError(serviceError('ValidationError', 400))).toBe(false);
    expect(isTransientAwsError(new Error('bug'))).toBe(false);
    expect(isTransientAwsError(undefined)).toBe(false);
    expect(isTransientAwsError('Throttling')).toBe(false);
  });
});
