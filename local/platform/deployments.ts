import { existsSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { bundlePath, DEFAULT_OUT_DIR, LAB_FUNCTION_NAMES } from '../../lab-functions/build';

/** The body of OpenFaaS `POST|PUT /system/functions` (fields the local platform uses; others are kept). */
export const functionDeploymentSchema = z
  .object({
    service: z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'must be a DNS-1123 name (lower-case letters, digits, "-")'),
    image: z.string().min(1),
    namespace: z.string().optional(),
    envProcess: z.string().optional(),
    envVars: z.record(z.string(), z.string()).optional(),
    labels: z.record(z.string(), z.string()).optional(),
    annotations: z.record(z.string(), z.string()).optional(),
    limits: z.object({ memory: z.string().optional(), cpu: z.string().optional() }).partial().optional(),
    requests: z.object({ memory: z.string().optional(), cpu: z.string().optional() }).partial().optional(),
  })
  .passthrough();

export type FunctionDeployment = z.infer<typeof functionDeploymentSchema>;

export class InvalidDeploymentError extends Error {
  override name = 'InvalidDeploymentError';
}

/**
 * The bundle an image name stands for. Locally there is no registry: `faas-benchmarker/function1`
 * (any registry, owner or tag) or plain `function1` means the lab function's OpenFaaS bundle;
 * `file:/abs/path.js` (or an absolute path) is a bundle of your own.
 */
export function resolveImage(image: string, bundleDir = DEFAULT_OUT_DIR): string {
  const explicitPath = image.startsWith('file:') ? image.slice('file:'.length) : isAbsolute(image) ? image : undefined;
  if (explicitPath !== undefined) {
    if (!existsSync(explicitPath)) throw new InvalidDeploymentError(`image ${image}: no such file`);
    return explicitPath;
  }
  const baseName = image.split('/').pop()?.split(':')[0] ?? '';
  const labFunction = LAB_FUNCTION_NAMES.find((name) => name === baseName);
  if (!labFunction) {
    throw new InvalidDeploymentError(`image ${image}: unknown locally; use one of ${LAB_FUNCTION_NAMES.join(', ')} or file:/path/to/bundle.js`);
  }
  const path = bundlePath('openfaas', labFunction, bundleDir);
  if (!existsSync(path)) throw new InvalidDeploymentError(`image ${image}: bundle ${path} not built; run npm run build:functions`);
  return path;
}

/** Memory in MB from a Kubernetes quantity (`128Mi`, `1Gi`, `256M`, `134217728`), or undefined. */
export function memoryMbFromQuantity(quantity: string | undefined): number | undefined {
  if (!quantity) return undefined;
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|K|M|G)?$/.exec(quantity.trim());
  if (!match) throw new InvalidDeploymentError(`limits.memory ${quantity}: not a memory quantity (e.g. 128Mi)`);
  const bytesPerUnit: Record<string, number> = { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, K: 1e3, M: 1e6, G: 1e9 };
  return Math.round((Number(match[1]) * (bytesPerUnit[match[2] ?? ''] ?? 1)) / 1024 ** 2);
}

/** `com.openfaas.scale.min`, the floor for idle eviction; 0 (scale to zero) when absent. */
export function minReplicasOf(deployment: FunctionDeployment): number {
  const raw = deployment.labels?.['com.openfaas.scale.min'];
  if (raw === undefined) return 0;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new InvalidDeploymentError(`label com.openfaas.scale.min ${raw}: not a non-negative integer`);
  return value;
}

/** The deployment the platform makes of each lab function at start. */
export function labFunctionDeployment(name: string): FunctionDeployment {
  return { service: name, image: `faas-benchmarker/${name}:latest`, labels: { 'faas-benchmarker/lab-function': 'true' } };
}
