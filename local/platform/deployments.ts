import { existsSync } from 'node:fs';
import { z } from 'zod';
import { bundlePath, DEFAULT_OUT_DIR } from '../../lab-functions/build';
import { LAB_FUNCTION_NAMES } from '../../lab-functions/names';

/**
 * Environment variables through which whoever deploys a function could make its instance run
 * code other than its bundle: Node's own (`NODE_OPTIONS=--import=…`), the dynamic loader's
 * (`LD_PRELOAD`), OpenSSL's engine and module paths, glibc's converter path, the shells' start-up
 * files and `PATH`. Refused in `envVars`, whatever the case.
 */
const LOADER_VARIABLE = /^(NODE_|LD_|DYLD_|NPM_CONFIG_)|^(PATH|OPENSSL_CONF|OPENSSL_ENGINES|OPENSSL_MODULES|GCONV_PATH|LOCPATH|BASH_ENV|ENV|HOSTALIASES)$/i;

/** The body of OpenFaaS `POST|PUT /system/functions` (fields the local platform uses; others are kept). */
export const functionDeploymentSchema = z
  .object({
    service: z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'must be a DNS-1123 name (lower-case letters, digits, "-")'),
    image: z.string().min(1),
    namespace: z.string().optional(),
    envProcess: z.string().optional(),
    envVars: z
      .record(
        z
          .string()
          .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name (letters, digits, "_")')
          .refine((name) => !LOADER_VARIABLE.test(name), { message: 'is a variable that makes Node.js or the loader run other code; the local platform does not accept it' }),
        z.string(),
      )
      .optional(),
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
 * The bundle an image name stands for. Locally there is no registry: `faas-benchmarker/function1`,
 * `faas-benchmarker-function1` (as stack.yml names the images; any registry, owner or tag) or plain
 * `function1` means the lab function's OpenFaaS bundle. No
 * other file can be named through the API (that would let a request run any script on the
 * machine); a program that starts the platform in-process may register bundles of its own under
 * image names (`customImages`), which are matched exactly.
 */
export function resolveImage(image: string, bundleDir = DEFAULT_OUT_DIR, customImages: ReadonlyMap<string, string> = new Map()): string {
  const custom = customImages.get(image);
  if (custom !== undefined) {
    if (!existsSync(custom)) throw new InvalidDeploymentError(`image ${image}: its bundle ${custom} does not exist`);
    return custom;
  }
  const baseName = (image.split('/').pop()?.split(':')[0] ?? '').replace(/^faas-benchmarker-/, '');
  const labFunction = LAB_FUNCTION_NAMES.find((name) => name === baseName);
  if (!labFunction || image.startsWith('file:') || image.startsWith('/')) {
    throw new InvalidDeploymentError(`image ${image}: unknown locally; use faas-benchmarker/<lab function> with one of ${LAB_FUNCTION_NAMES.join(', ')}`);
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
