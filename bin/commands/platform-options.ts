import type { PlatformOptionsInput } from '../../local/platform/options';
import { parseDurationMs, parseSignedDurationMs } from '../../local/platform/duration';
import { InvalidParamError } from '../../lib/experiment/params';
import { AZURE_VM_SIZE, CLIENT_SIZE_OPTIONS, EC2_INSTANCE_TYPE } from '../../lib/platforms/client/machine-size';

type Converter = [keyof PlatformOptionsInput, (value: string) => unknown];

const toInteger = (value: string) => {
  const number = Number(value);
  if (!Number.isInteger(number)) throw new InvalidParamError(`"${value}" is not an integer`);
  return number;
};

const toFraction = (value: string) => {
  const number = Number(value);
  if (!value.trim() || !Number.isFinite(number)) throw new InvalidParamError(`"${value}" is not a number (a fraction of one core, e.g. 0.5)`);
  return number;
};

/** `--platform-option` names (as on `fb platform start`) → local platform options. */
const PLATFORM_OPTIONS: Record<string, Converter> = {
  'idle-timeout': ['idleTimeoutMs', parseDurationMs],
  'max-lifetime': ['maxLifetimeMs', parseDurationMs],
  'max-instances': ['maxInstances', toInteger],
  profile: ['profile', (value) => value],
  'concurrency-per-instance': ['concurrencyPerInstance', toInteger],
  'scale-out-interval': ['scaleOutIntervalMs', parseDurationMs],
  'init-delay': ['initDelayMs', parseDurationMs],
  'clock-skew': ['clockSkewMs', parseSignedDurationMs],
  'init-delay-per-mb': ['initDelayPerMbMs', parseDurationMs],
  'cpu-share': ['cpuShare', toFraction],
};

const sizeOf = (pattern: RegExp, example: string) => (value: string) => {
  if (value.length > 64 || !pattern.test(value)) throw new InvalidParamError(`"${value}" is not a size such as ${example}`);
  return value;
};

/** `--platform-option` names of the cloud platforms' client machine → run platform options. */
const CLIENT_OPTIONS: Record<string, [string, (value: string) => string]> = {
  'client-instance-type': [CLIENT_SIZE_OPTIONS.ec2InstanceType, sizeOf(EC2_INSTANCE_TYPE, 'm5.xlarge')],
  'client-vm-size': [CLIENT_SIZE_OPTIONS.azureVmSize, sizeOf(AZURE_VM_SIZE, 'Standard_D4_v3')],
};

/** Every `--platform-option` name, for help texts. */
export const PLATFORM_OPTION_NAMES = [...Object.keys(PLATFORM_OPTIONS), ...Object.keys(CLIENT_OPTIONS)];

/** The options of a run, split by what they set: the local platform, or the clouds' client machine. */
export interface RunPlatformOptions {
  local: Partial<PlatformOptionsInput>;
  /** `clientInstanceType`, `clientVmSize`. */
  client: Record<string, string>;
}

/** Parse `--platform-option key=value` pairs; an unknown key or a bad value is an InvalidParamError naming it. */
export function runPlatformOptionsFromPairs(pairs: readonly string[]): RunPlatformOptions {
  const local: Record<string, unknown> = {};
  const client: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    const key = at > 0 ? pair.slice(0, at) : pair;
    const localOption = PLATFORM_OPTIONS[key];
    const clientOption = CLIENT_OPTIONS[key];
    if (at <= 0 || !(localOption || clientOption)) {
      throw new InvalidParamError(`--platform-option "${pair}": use key=value with key one of ${PLATFORM_OPTION_NAMES.join(', ')}`);
    }
    try {
      if (localOption) local[localOption[0]] = localOption[1](pair.slice(at + 1));
      else if (clientOption) client[clientOption[0]] = clientOption[1](pair.slice(at + 1));
    } catch (error) {
      throw new InvalidParamError(`--platform-option ${key}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return { local: local as Partial<PlatformOptionsInput>, client };
}
