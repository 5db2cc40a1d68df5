/**
 * The error codes of a request that got no answer at all (the connection was refused, reset or
 * timed out, the name did not resolve, or the SDK could not send it): worth trying again, whatever
 * the cloud. The one list the AWS and Azure transient classifiers share
 * (lib/platforms/aws/transient.ts, lib/platforms/azure/transient.ts).
 */
export const NETWORK_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  // undici: the other side closed the socket.
  'UND_ERR_SOCKET',
  // Azure's core-rest-pipeline: the request could not be sent (its cause is one of the above).
  'REQUEST_SEND_ERROR',
]);

/** Whether an error is a failure to reach the other side at all (by its `code`). */
export function isNetworkError(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && NETWORK_ERROR_CODES.has(code);
}
