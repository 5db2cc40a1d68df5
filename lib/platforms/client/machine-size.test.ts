import { describe, expect, it } from 'vitest';
import { chooseClientSize, clientManifestEntry, clientMachineNeedSchema, clientSizeOptionsSchema } from './machine-size';

describe('Function: chooseClientSize', () => {
  const need = { ec2InstanceType: 'm5.xlarge', azureVmSize: 'Standard_D4_v3' };

  it('fills the experiment’s sizes into the run’s platform options, keeping the rest', () => {
    expect(chooseClientSize(need, { other: 1 })).toEqual({
      platformOptions: { other: 1, clientInstanceType: 'm5.xlarge', clientVmSize: 'Standard_D4_v3' },
      chosenBy: { ec2InstanceType: 'experiment', azureVmSize: 'experiment' },
    });
  });

  it('lets a size the run names win, per size', () => {
    expect(chooseClientSize(need, { clientVmSize: 'Standard_F8s_v2' })).toEqual({
      platformOptions: { clientInstanceType: 'm5.xlarge', clientVmSize: 'Standard_F8s_v2' },
      chosenBy: { ec2InstanceType: 'experiment', azureVmSize: 'platform option' },
    });
  });

  it('leaves a size nobody names to the machine’s default', () => {
    expect(chooseClientSize(undefined, {})).toEqual({ platformOptions: {}, chosenBy: { ec2InstanceType: 'deployment default', azureVmSize: 'deployment default' } });
    expect(chooseClientSize({ azureVmSize: 'Standard_D4_v3' }, {}).chosenBy).toEqual({ ec2InstanceType: 'deployment default', azureVmSize: 'experiment' });
  });
});

describe('Function: clientManifestEntry', () => {
  const sizing = chooseClientSize({ ec2InstanceType: 'm5.xlarge' }, { clientVmSize: 'Standard_D4_v3' });

  it('records the machine made, its size as it answered, and who chose the size', () => {
    expect(clientManifestEntry({ kind: 'ec2', instanceId: 'i-1', instanceType: 'm5.xlarge', ready: false }, sizing)).toEqual({ kind: 'ec2', instance_type: 'm5.xlarge', chosen_by: 'experiment' });
    expect(clientManifestEntry({ kind: 'azure-vm', vmSize: 'Standard_D4_v3', ready: false }, sizing)).toEqual({ kind: 'azure-vm', vm_size: 'Standard_D4_v3', chosen_by: 'platform option' });
  });

  it('records only the kind of a client without a size (this machine)', () => {
    expect(clientManifestEntry({ kind: 'local-process', ready: false }, sizing)).toEqual({ kind: 'local-process' });
  });
});

describe('Schemas: client sizes', () => {
  it.each([['m5.xlarge'], ['c6i.2xlarge'], ['m7g.large'], ['u-6tb1.metal']])('takes the EC2 instance type %s', (type) => {
    expect(clientMachineNeedSchema.safeParse({ ec2InstanceType: type }).success).toBe(true);
    expect(clientSizeOptionsSchema.safeParse({ clientInstanceType: type }).success).toBe(true);
  });

  it.each([['m5'], ['M5.xlarge'], ['m5.xlarge '], ['m5.xlarge;reboot'], ['$(id).large'], ['']])('refuses the EC2 instance type %j', (type) => {
    expect(clientMachineNeedSchema.safeParse({ ec2InstanceType: type }).success).toBe(false);
    expect(clientSizeOptionsSchema.safeParse({ clientInstanceType: type }).success).toBe(false);
  });

  it.each([['Standard_D4_v3'], ['Standard_D2s_v5'], ['Standard_E4-2ds_v5']])('takes the Azure VM size %s', (size) => {
    expect(clientMachineNeedSchema.safeParse({ azureVmSize: size }).success).toBe(true);
  });

  it.each([['D4_v3'], ['Standard_'], ['Standard_D4 v3'], ['Standard_D4_v3"'], [`Standard_${'D'.repeat(64)}`]])('refuses the Azure VM size %j', (size) => {
    expect(clientMachineNeedSchema.safeParse({ azureVmSize: size }).success).toBe(false);
    expect(clientSizeOptionsSchema.safeParse({ clientVmSize: size }).success).toBe(false);
  });
});
