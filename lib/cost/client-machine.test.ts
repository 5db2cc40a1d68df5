import { describe, expect, it } from 'vitest';
import { DEFAULT_CLIENT_INSTANCE_TYPE } from '../platforms/aws/ec2-client-machine';
import { DEFAULT_CLIENT_VM_SIZE } from '../platforms/azure/vm-client-machine';
import { clientKindOf, clientSizeOf, recordedClientSize } from './client-machine';

describe('Function: clientSizeOf', () => {
  it('takes the run’s platform option, else the experiment’s declaration, else the deployment’s default', () => {
    const need = { ec2InstanceType: 'm5.xlarge', azureVmSize: 'Standard_D4_v3' };
    expect(clientSizeOf('azure-vm', { clientVmSize: 'Standard_D8s_v5' }, need)).toBe('Standard_D8s_v5');
    expect(clientSizeOf('azure-vm', {}, need)).toBe('Standard_D4_v3');
    expect(clientSizeOf('ec2', {}, need)).toBe('m5.xlarge');
    expect(clientSizeOf('ec2', {})).toBe(DEFAULT_CLIENT_INSTANCE_TYPE);
    expect(clientSizeOf('azure-vm', {})).toBe(DEFAULT_CLIENT_VM_SIZE);
    expect(clientSizeOf('local', { clientVmSize: 'Standard_D8s_v5' })).toBeNull();
  });
});

describe('Function: recordedClientSize and clientKindOf', () => {
  it('read what ProvisionClient recorded in the manifest first, then the client’s answer', () => {
    expect(recordedClientSize({ client: { kind: 'ec2', instance_type: 'm5.xlarge', chosen_by: 'experiment' } }, { instanceType: 'c5.large' })).toBe('m5.xlarge');
    expect(recordedClientSize({}, { kind: 'azure-vm', vmSize: 'Standard_D2s_v5' })).toBe('Standard_D2s_v5');
    expect(recordedClientSize(undefined, undefined)).toBeUndefined();
    expect([clientKindOf({ kind: 'ec2' }), clientKindOf({ kind: 'azure-vm' }), clientKindOf({ kind: 'local-process' }), clientKindOf(undefined)]).toEqual(['ec2', 'azure-vm', 'local', 'local']);
  });
});
