/**
 * The one answer to "is this AWS failure worth retrying?", for every AWS call the control plane
 * makes (CloudFormation, API Gateway, EC2, SSM, S3): throttled, a server-side fault or 5xx, a
 * timeout, or no answer at all. Whoever catches a transient error throws ProvisionTransientError
 * (or ImportTransientError on the import path), which the state machine retries by name.
 */
import { errorNameOf } from '../../errors/describe';
import { isNetworkError } from '../../errors/network';

/** Throttling and server-side errors of the AWS APIs, by name (they come with 400, 429, 500 or 503). */
const TRANSIENT_AWS_ERRORS: ReadonlySet<string> = new Set([
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'SlowDown',
  'InternalServerError',
  'InternalFailure',
  'InternalError',
  'ServiceUnavailable',
  'TimeoutError',
  'RequestTimeout',
]);

/** Whether an AWS SDK (or network) error is worth retrying. */
export function isTransientAwsError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const sdk = error as { $retryable?: unknown; $fault?: unknown; $metadata?: { httpStatusCode?: unknown } };
  if (sdk.$retryable) return true;
  if (sdk.$fault === 'server') return true;
  const status = sdk.$metadata?.httpStatusCode;
  if (typeof status === 'number' && (status >= 500 || status === 429)) return true;
  if (TRANSIENT_AWS_ERRORS.has(errorNameOf(error) ?? '')) return true;
  return isNetworkError(error);
}
