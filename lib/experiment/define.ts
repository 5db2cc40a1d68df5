import type { z } from 'zod';
import { type ClientMachineNeed, clientMachineNeedSchema } from '../platforms/client/machine-size';
import type { ExperimentBench } from './bench';
import { expectedDurationMs } from './expected-duration';

/** Local-platform settings an experiment's quick profile expects (same names as `--platform-option`). */
export interface QuickPlatformSettings {
  profile?: 'lambda' | 'azure' | 'openfaas';
  idleTimeoutMs?: number;
  maxLifetimeMs?: number;
  maxInstances?: number;
  concurrencyPerInstance?: number;
  scaleOutIntervalMs?: number;
  initDelayMs?: number;
  initDelayPerMbMs?: number;
  clockSkewMs?: number;
}

/** How `--quick` runs an experiment: in minutes on the local platform instead of hours in a cloud. */
export interface QuickProfile<Params> {
  /** Parameter overrides, applied before `--param`. */
  params?: Partial<Params>;
  /** Experiment time × timeScale = real time (e.g. 0.01: a 300 s idle gap sleeps 3 s). */
  timeScale: number;
  /** Local-platform settings the quick run expects, applied before `--platform-option`. */
  platform?: QuickPlatformSettings;
  /** Roughly how long the quick run takes on the local platform, for `fb list` (e.g. '1m'). */
  expectedDuration: string;
}

/** The name rule of experiments (kebab-case): also their file name in `experiments/`. */
export const EXPERIMENT_NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** An experiment module's default export. */
export interface Experiment<Schema extends z.ZodObject = z.ZodObject> {
  /** kebab-case, unique; what `fb run <name>` takes. */
  name: string;
  /** What question it answers; the first sentence is what `fb list` shows. */
  description: string;
  /** The lab functions it calls. */
  functions: readonly string[];
  /** Its parameters, each with a default. */
  params: Schema;
  quick: QuickProfile<z.input<Schema>>;
  /**
   * Roughly how long a full (not quick) run takes, e.g. `10h` or `2h 30m` (the units of
   * `quick.expectedDuration`), for the ETA of `fb run --all`. @default unknown
   */
  expectedDuration?: string;
  /**
   * Declare that the experiment waits "one cold time": how long `function` must idle before its
   * next call is cold. The experiment then has an optional parameter `coldTimeSeconds`, and the
   * control plane fills it before the agent starts (unless the caller set it): from the latest
   * completed idle-timeout result (coldstart-identifier, simple-cold-function) for the same
   * platform and function, else `defaultSeconds`; the run's log and manifest (`cold_time`) say
   * which (lib/control-plane/cold-time.ts).
   */
  coldTime?: ColdTimeNeed;
  /**
   * The client machine it needs on the clouds, as the original's per-experiment `.tfvars` said
   * (e.g. `{ ec2InstanceType: 'm5.xlarge', azureVmSize: 'Standard_D4_v3' }`); ProvisionClient
   * uses it unless the run's platform options name a size (`client-instance-type`,
   * `client-vm-size`), and the run's manifest records what was used (`client`). @default the
   * deployment's default size (lib/platforms/client/machine-size.ts)
   */
  client?: ClientMachineNeed;
  /**
   * The longest one call to a lab function takes with these parameters, in seconds: the work the
   * call asks of the function (its `sleep` plus its `throughput_time`, and for a nested call the
   * work of every hop it waits for), not the platform's own latency. ValidateInput refuses a run
   * on a cloud platform whose function timeout or HTTP front cannot wait that long
   * (lib/control-plane/function-limits.ts), instead of every call failing hours into the run.
   * @default calls are short (a few seconds at most); nothing is checked
   */
  longestCallSeconds?: (params: z.output<Schema>) => number;
  run(bench: ExperimentBench, params: z.output<Schema>): Promise<void>;
}

/** What an experiment that waits one cold time declares. */
export interface ColdTimeNeed {
  /** The lab function whose cold time it needs. */
  function: string;
  /** Used when no stored result fits, in experiment seconds (the original's fallback was 1200). */
  defaultSeconds: number;
}

export class InvalidExperimentError extends Error {
  override name = 'InvalidExperimentError';
}

/**
 * Declare an experiment. Checks the declaration once, at load: a bad name or a quick profile that
 * does not fit the parameters fails when the module loads, not hours into a run.
 *
 * @example
 * export default defineExperiment({
 *   name: 'hello', description: 'Calls function1 ten times.', functions: ['function1'],
 *   params: z.object({ calls: z.number().int().positive().default(10) }),
 *   quick: { timeScale: 0.01, expectedDuration: '5s' },
 *   async run(bench, { calls }) { for (let i = 0; i < calls; i++) await bench.invoke('function1'); },
 * });
 */
export function defineExperiment<Schema extends z.ZodObject>(experiment: Experiment<Schema>): Experiment<Schema> {
  if (!EXPERIMENT_NAME.test(experiment.name)) {
    throw new InvalidExperimentError(`experiment name "${experiment.name}" must be kebab-case (e.g. coldstart-identifier)`);
  }
  if (!experiment.description.trim()) throw new InvalidExperimentError(`experiment ${experiment.name} needs a description`);
  if (!(experiment.quick.timeScale > 0 && experiment.quick.timeScale <= 1)) {
    throw new InvalidExperimentError(`experiment ${experiment.name}: quick.timeScale must be in (0, 1]`);
  }
  const defaults = experiment.params.safeParse({});
  if (!defaults.success) throw new InvalidExperimentError(`experiment ${experiment.name}: every parameter needs a default (${defaults.error.issues[0]?.message})`);
  if (experiment.coldTime) {
    const declared = experiment.params.shape.coldTimeSeconds as z.ZodType | undefined;
    if (!declared?.safeParse(undefined).success || !declared.safeParse(1.5).success) {
      throw new InvalidExperimentError(`experiment ${experiment.name}: coldTime needs an optional numeric parameter coldTimeSeconds (z.number().positive().optional())`);
    }
    if (!(experiment.coldTime.defaultSeconds > 0)) throw new InvalidExperimentError(`experiment ${experiment.name}: coldTime.defaultSeconds must be positive`);
  }
  if (experiment.expectedDuration !== undefined && expectedDurationMs(experiment.expectedDuration) === undefined) {
    throw new InvalidExperimentError(`experiment ${experiment.name}: expectedDuration "${experiment.expectedDuration}" must be amounts with units, e.g. 10h or 2h 30m`);
  }
  if (experiment.client !== undefined) {
    const client = clientMachineNeedSchema.safeParse(experiment.client);
    if (!client.success) {
      const issue = client.error.issues[0];
      throw new InvalidExperimentError(`experiment ${experiment.name}: client.${issue?.path.join('.') ?? ''} ${issue?.message ?? 'is invalid'}`);
    }
  }
  const quick = experiment.params.safeParse(experiment.quick.params ?? {});
  if (!quick.success) throw new InvalidExperimentError(`experiment ${experiment.name}: quick.params do not fit params (${quick.error.issues[0]?.message})`);
  return experiment;
}
