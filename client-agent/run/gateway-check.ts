export class GatewayUnreachableError extends Error {
  override name = 'GatewayUnreachableError';
}

export class FunctionsMissingError extends Error {
  override name = 'FunctionsMissingError';
}

/**
 * Check, before a run starts, that an OpenFaaS-compatible gateway answers and has the functions
 * the experiment calls, so a typo in a URL fails in one line instead of as a run full of errors.
 */
export async function checkGateway(gatewayUrl: string, functions: readonly string[], timeoutMs = 5000): Promise<void> {
  let listed: unknown;
  try {
    const response = await fetch(new URL('/system/functions', gatewayUrl), { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) throw new Error(`GET /system/functions answered ${response.status}`);
    listed = await response.json();
  } catch (error) {
    throw new GatewayUnreachableError(`gateway ${gatewayUrl} is unreachable: ${error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error)}`);
  }
  const names = Array.isArray(listed) ? listed.map((fn) => (fn as { name?: unknown }).name) : [];
  const missing = functions.filter((name) => !names.includes(name));
  if (missing.length) throw new FunctionsMissingError(`gateway ${gatewayUrl} has no function ${missing.join(', ')}`);
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
