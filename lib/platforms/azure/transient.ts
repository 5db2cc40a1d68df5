/**
 * The one answer to "is this Azure failure worth retrying?", for every Azure call the control
 * plane makes (ARM, Storage, App Service, Run Command): throttled (429), a request timeout (408),
 * a 5xx, or no answer at all. Whoever catches a transient error throws ProvisionTransientError,
 * which the state machine retries by name. Also how an Azure SDK error reads in a message.
 */
import { describe, errorCodeOf } from '../../errors/describe';
import { isNetworkError } from '../../errors/network';

/** HTTP status of an Azure SDK error (`RestError.statusCode`; `$metadata.httpStatusCode` of an AWS one on the way), if it has one. */
export function azureStatusCode(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const details = error as { statusCode?: unknown; $metadata?: { httpStatusCode?: unknown } };
  const status = details.statusCode ?? details.$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

/** Whether an Azure SDK (or network) error is worth retrying: throttling, a timeout, a 5xx, a failed send. */
export function isTransientAzureError(error: unknown): boolean {
  const status = azureStatusCode(error);
  if (status !== undefined) return status === 408 || status === 429 || status >= 500;
  return isNetworkError(error);
}

/** `Name (status code): message` of an Azure SDK error, for messages (callers redact). */
export function describeAzureError(error: unknown): string {
  return describe(error, [azureStatusCode(error), errorCodeOf(error)]);
}
