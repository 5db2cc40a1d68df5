import { describe, expect, it } from 'vitest';
import { InvalidRunInputError, validateRunInput } from './run-input';

const input = (platforms: string[], platformOptions: Record<string, unknown>) => ({ experiment: 'linear-invocation', platforms, platformOptions });

describe('Function: validateRunInput, client sizes', () => {
  it('passes the client sizes of a cloud run through as given', async () => {
    const validated = await validateRunInput(input(['aws-lambda'], { clientVmSize: 'Standard_D4_v3', clientInstanceType: 'm5.xlarge' }));
    expect(validated.platformOptions).toEqual({ clientVmSize: 'Standard_D4_v3', clientInstanceType: 'm5.xlarge' });
  });

  it.each([
    [['aws-lambda'], { clientVmSize: 'Standard D4' }, 'platformOptions.clientVmSize'],
    [['azure-functions'], { clientInstanceType: 'm5.xlarge && reboot' }, 'platformOptions.clientInstanceType'],
    [['azure-functions'], { clientInstanceType: 5 }, 'platformOptions.clientInstanceType'],
    [['local'], { clientInstanceType: 'm5.xlarge' }, "the local platform's client is this machine"],
  ])('refuses %j with %j', async (platforms, platformOptions, message) => {
    const attempt = validateRunInput(input(platforms, platformOptions));
    await expect(attempt).rejects.toThrow(InvalidRunInputError);
    await expect(attempt).rejects.toThrow(message);
  });
});
