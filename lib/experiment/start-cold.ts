import { z } from 'zod';
import type { ExperimentBench } from './bench';

/**
 * The `forceCold` parameter of experiments whose idle only serves to make the next call cold
 * (the original slept for it): `true` forces the cold start instead (`bench.forceCold`; local and
 * OpenFaaS scale to zero, AWS Lambda and Azure Functions through the control plane), the default
 * keeps the original's waiting.
 */
export const forceColdParam = z.boolean().default(false);

/**
 * Make the next calls of `functions` cold: force it when `forceCold`, else idle `idleSeconds` of
 * experiment time as the original did. Logs which it did when `why` is given.
 */
export async function startCold(bench: ExperimentBench, functions: readonly string[], options: { forceCold: boolean; idleSeconds: number; why?: string }): Promise<void> {
  if (options.forceCold) {
    for (const functionName of functions) await bench.forceCold(functionName);
    if (options.why) bench.log(`${options.why}: forced cold start of ${functions.join(', ')} instead of ${options.idleSeconds} s idle`);
    return;
  }
  await bench.sleep(options.idleSeconds * 1000);
}
