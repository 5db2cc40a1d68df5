/**
 * The monolith lab function: the generic lab-function body plus the 20 `run_function` features
 * (and, through them, arquero, apache-arrow and moment-timezone), so its bundle is large on
 * purpose — it is what the cold-start benchmarks of big functions deploy.
 */
import type { LabFunctionDefinition } from '../core/definition';
import { runMonolith } from '../core/monolith/run-monolith';

export const monolith: LabFunctionDefinition = { name: 'monolith', runFeature: runMonolith };

export default monolith;
