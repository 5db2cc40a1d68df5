import { describe, expect, it } from 'vitest';
import { InvalidParamError } from '../../lib/experiment/params';
import { InvalidPlatformOptionsError, resolvePlatformSettings } from '../../local/platform/options';
import { platformOptionsFromPairs } from './platform-options';

describe('Function: platformOptionsFromPairs', () => {
  it('reads cpu-share as a fraction of one core, beside the other options', () => {
    expect(platformOptionsFromPairs(['cpu-share=0.5', 'idle-timeout=2s'])).toEqual({ cpuShare: 0.5, idleTimeoutMs: 2000 });
  });

  it.each(['cpu-share=half', 'cpu-share=', 'cpu-share=NaN'])('refuses %s naming the option', (pair) => {
    expect(() => platformOptionsFromPairs([pair])).toThrow(InvalidParamError);
    expect(() => platformOptionsFromPairs([pair])).toThrow('--platform-option cpu-share');
  });

  it.each(['cpu-share=0', 'cpu-share=1.5', 'cpu-share=-0.25'])('passes %s on, and the platform settings refuse it as no fraction of a core', (pair) => {
    const options = platformOptionsFromPairs([pair]);
    expect(() => resolvePlatformSettings(options)).toThrow(InvalidPlatformOptionsError);
    expect(() => resolvePlatformSettings(options)).toThrow('cpuShare: must be a fraction of one core');
  });
});
