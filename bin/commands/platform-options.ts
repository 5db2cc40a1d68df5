import type { PlatformOptionsInput } from '../../local/platform/options';
import { parseDurationMs, parseSignedDurationMs } from '../../local/platform/duration';
import { InvalidParamError } from '../../lib/experiment/params';

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

export function platformOptionsFromPairs(pairs: readonly string[]): Partial<PlatformOptionsInput> {
  const options: Record<string, unknown> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    const key = at > 0 ? pair.slice(0, at) : pair;
    const converter = PLATFORM_OPTIONS[key];
    if (at <= 0 || !converter) {
      throw new InvalidParamError(`--platform-option "${pair}": use key=value with key one of ${Object.keys(PLATFORM_OPTIONS).join(', ')}`);
    }
    const [field, convert] = converter;
    try {
      options[field] = convert(pair.slice(at + 1));
    } catch (error) {
      throw new InvalidParamError(`--platform-option ${key}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return options as Partial<PlatformOptionsInput>;
}
