import { describe, expect, it } from 'vitest';
import { InvalidParamError } from '../../lib/experiment/params';
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
