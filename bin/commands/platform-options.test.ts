import { describe, expect, it } from 'vitest';
import { InvalidParamError } from '../../lib/experiment/params';
import { InvalidPlatformOptionsError, resolvePlatformSettings } from '../../local/platform/options';
import { runPlatformOptionsFromPairs } from './platform-options';

describe('Function: runPlatformOptionsFromPairs', () => {
  it('splits the local platform’s settings from the cloud client’s size', () => {
    expect(runPlatformOptionsFromPairs(['idle-timeout=1.5s', 'max-instances=4', 'client-instance-type=m5.xlarge', 'client-vm-size=Standard_D4_v3'])).toEqual({
      local: { idleTimeoutMs: 1500, maxInstances: 4 },
      client: { clientInstanceType: 'm5.xlarge', clientVmSize: 'Standard_D4_v3' },
    });
    expect(runPlatformOptionsFromPairs([])).toEqual({ local: {}, client: {} });
  });

  it.each([
    ['client-instance-type=m5 xlarge', 'client-instance-type'],
    ['client-vm-size=D4_v3', 'client-vm-size'],
    ['max-instances=many', 'max-instances'],
    ['client-size=big', 'client-instance-type, client-vm-size'],
    ['idle-timeout', 'key=value'],
  ])('refuses %j naming the option', (pair, message) => {
    expect(() => runPlatformOptionsFromPairs([pair])).toThrow(InvalidParamError);
    expect(() => runPlatformOptionsFromPairs([pair])).toThrow(message);
  });
});

describe('Function: runPlatformOptionsFromPairs — cpu-share', () => {
  it('reads cpu-share as a fraction of one core, beside the other options', () => {
    expect(runPlatformOptionsFromPairs(['cpu-share=0.5', 'idle-timeout=2s']).local).toEqual({ cpuShare: 0.5, idleTimeoutMs: 2000 });
  });

  it.each(['cpu-share=half', 'cpu-share=', 'cpu-share=NaN'])('refuses %s naming the option', (pair) => {
    expect(() => runPlatformOptionsFromPairs([pair])).toThrow(InvalidParamError);
    expect(() => runPlatformOptionsFromPairs([pair])).toThrow('--platform-option cpu-share');
  });

  it.each(['cpu-share=0', 'cpu-share=1.5', 'cpu-share=-0.25'])('passes %s on, and the platform settings refuse it as no fraction of a core', (pair) => {
    const options = runPlatformOptionsFromPairs([pair]).local;
    expect(() => resolvePlatformSettings(options)).toThrow(InvalidPlatformOptionsError);
    expect(() => resolvePlatformSettings(options)).toThrow('cpuShare: must be a fraction of one core');
  });
});
