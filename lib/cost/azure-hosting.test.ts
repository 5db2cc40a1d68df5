import { describe, expect, it } from 'vitest';
import { plannedAzureHosting, recordedAzureHosting } from './azure-hosting';

describe('Function: recordedAzureHosting', () => {
  it('takes the plan and memory ProvisionFunctions recorded, over what the run asked for', () => {
    const manifest = { platform_options: { azureFunctionsPlan: 'consumption' }, platform_settings: { azureFunctionsPlan: 'flex-consumption', memoryMb: 4096, timeoutSeconds: 30 } };
    expect(recordedAzureHosting(manifest)).toEqual({ plan: 'flex-consumption', instanceMemoryMb: 4096 });
    expect(recordedAzureHosting({ platform_settings: { azureFunctionsPlan: 'consumption', memoryMb: 1536 } })).toEqual({ plan: 'consumption', instanceMemoryMb: 1536 });
  });

  it('falls back to the plan the run asked for, with Flex Consumption’s default memory when it named none', () => {
    expect(recordedAzureHosting({ platform_options: { azureFunctionsPlan: 'flex-consumption', memoryMb: 512 } })).toEqual({ plan: 'flex-consumption', instanceMemoryMb: 512 });
    expect(recordedAzureHosting({ platform_options: { azureFunctionsPlan: 'flex-consumption' } })).toEqual({ plan: 'flex-consumption', instanceMemoryMb: 2048 });
  });

  it('reads a run that recorded no plan (or none it knows) as Consumption: such runs predate Flex Consumption', () => {
    const consumption = { plan: 'consumption', instanceMemoryMb: 1536 };
    expect(recordedAzureHosting({ platform_options: {} })).toEqual(consumption);
    expect(recordedAzureHosting({})).toEqual(consumption);
    expect(recordedAzureHosting(undefined)).toEqual(consumption);
    expect(recordedAzureHosting({ platform_settings: { azureFunctionsPlan: 'premium' } })).toEqual(consumption);
  });
});

describe('Function: plannedAzureHosting', () => {
  it('gives a run about to start the plan and memory its options name, else Flex Consumption at 2048 MB', () => {
    expect(plannedAzureHosting({})).toEqual({ plan: 'flex-consumption', instanceMemoryMb: 2048 });
    expect(plannedAzureHosting({ memoryMb: 4096 })).toEqual({ plan: 'flex-consumption', instanceMemoryMb: 4096 });
    expect(plannedAzureHosting({ azureFunctionsPlan: 'consumption' })).toEqual({ plan: 'consumption', instanceMemoryMb: 1536 });
  });
});
