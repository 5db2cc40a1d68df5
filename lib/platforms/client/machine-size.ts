/**
 * How big a run's client machine is, and who chose it. An experiment may declare the machine it
 * needs (the original's per-experiment `.tfvars`: scenario-pyramid ran on an m5.xlarge or a
 * Standard_D4_v3, everything else on the smallest size); a run's `platformOptions` may override
 * it (`--platform-option client-instance-type=…` / `client-vm-size=…`); otherwise the
 * deployment's default applies (lib/platforms/aws/ec2-client-machine.ts,
 * lib/platforms/azure/vm-client-machine.ts).
 *
 * Which of the two sizes matters depends on the platform: the client runs in the other cloud, an
 * EC2 instance for Azure Functions, an Azure VM for AWS Lambda and OpenFaaS.
 */
import { z } from 'zod';

/** An EC2 instance type, e.g. `c5.large`, `m5.xlarge`, `m7g.2xlarge`. */
export const EC2_INSTANCE_TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9]+$/;
/** An Azure VM size, e.g. `Standard_D2s_v5`, `Standard_D4_v3`. */
export const AZURE_VM_SIZE = /^Standard_[A-Za-z0-9]+(?:[-_][A-Za-z0-9]+)*$/;
/** The longest size name either cloud uses, with room to spare. */
const SIZE_MAX_CHARS = 64;

const ec2InstanceType = z.string().max(SIZE_MAX_CHARS).regex(EC2_INSTANCE_TYPE, 'must be an EC2 instance type such as m5.xlarge');
const azureVmSize = z.string().max(SIZE_MAX_CHARS).regex(AZURE_VM_SIZE, 'must be an Azure VM size such as Standard_D4_v3');

/** What an experiment declares about its client machine (each field optional: the deployment's default otherwise). */
export const clientMachineNeedSchema = z.strictObject({
  /** The EC2 instance type when the client is an EC2 instance (functions on Azure Functions). */
  ec2InstanceType: ec2InstanceType.optional(),
  /** The Azure VM size when the client is an Azure VM (functions on AWS Lambda or OpenFaaS). */
  azureVmSize: azureVmSize.optional(),
});

export type ClientMachineNeed = z.infer<typeof clientMachineNeedSchema>;

/** The `platformOptions` keys a run overrides the client's size with. */
export const CLIENT_SIZE_OPTIONS = { ec2InstanceType: 'clientInstanceType', azureVmSize: 'clientVmSize' } as const;

/** The run's own override of the client's size, as `platformOptions` carries it (validated). */
export const clientSizeOptionsSchema = z.object({
  [CLIENT_SIZE_OPTIONS.ec2InstanceType]: ec2InstanceType.optional(),
  [CLIENT_SIZE_OPTIONS.azureVmSize]: azureVmSize.optional(),
});

/** Who chose a size: the run's platform option, the experiment's declaration, or the deployment's default. */
export type ClientSizeSource = 'platform option' | 'experiment' | 'deployment default';

export interface ClientSizing {
  /** The run's `platformOptions` with the experiment's sizes filled in where the run named none. */
  platformOptions: Record<string, unknown>;
  /** Who chose each size. */
  chosenBy: { ec2InstanceType: ClientSizeSource; azureVmSize: ClientSizeSource };
}

/**
 * The client sizes of a run: the run's `platformOptions` first, then what the experiment
 * declared; a size neither names is left to the client machine's own default.
 */
export function chooseClientSize(need: ClientMachineNeed | undefined, platformOptions: Record<string, unknown>): ClientSizing {
  const merged: Record<string, unknown> = { ...platformOptions };
  const choose = (field: keyof typeof CLIENT_SIZE_OPTIONS): ClientSizeSource => {
    const option = CLIENT_SIZE_OPTIONS[field];
    if (platformOptions[option] !== undefined) return 'platform option';
    const declared = need?.[field];
    if (declared === undefined) return 'deployment default';
    merged[option] = declared;
    return 'experiment';
  };
  const chosenBy = { ec2InstanceType: choose('ec2InstanceType'), azureVmSize: choose('azureVmSize') };
  return { platformOptions: merged, chosenBy };
}

/**
 * What the run's manifest records about its client (`client`): the machine ProvisionClient made
 * (its `kind` and the size it was made with, as the machine answered) and who chose that size.
 */
export function clientManifestEntry(answer: Record<string, unknown>, sizing: ClientSizing): Record<string, unknown> {
  const kind = typeof answer.kind === 'string' ? answer.kind : 'unknown';
  if (typeof answer.instanceType === 'string') return { kind, instance_type: answer.instanceType, chosen_by: sizing.chosenBy.ec2InstanceType };
  if (typeof answer.vmSize === 'string') return { kind, vm_size: answer.vmSize, chosen_by: sizing.chosenBy.azureVmSize };
  return { kind };
}
