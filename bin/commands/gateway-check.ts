export class GatewayUnreachableError extends Error {
  override name = 'GatewayUnreachableError';
}

/** Check that a gateway answers at all (GET /healthz) before a run deploys to it. */
export async function checkGatewayReachable(gatewayUrl: string, timeoutMs = 5000): Promise<void> {
  try {
    const response = await fetch(new URL('/healthz', gatewayUrl), { signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
  } catch (error) {
    throw new GatewayUnreachableError(`gateway ${gatewayUrl} is unreachable: ${error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error)}`);
  }
}
