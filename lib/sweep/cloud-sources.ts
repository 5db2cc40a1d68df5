/**
 * The sweeper's cloud sources of a deployment, from the clients its config allows: CloudFormation
 * stacks and EC2 instances always (one region), Azure resource groups with a resource client,
 * OpenFaaS functions with a gateway.
 */
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { ResourceManagementClient } from '@azure/arm-resources';
import { cloudFormationStacks } from './cloudformation-stacks';
import { ec2Instances } from './ec2-instances';
import { type OpenFaasSweepOptions, openFaasFunctions } from './openfaas-functions';
import { resourceGroups } from './resource-groups';
import type { SweepSource } from './sweep';

/** The clients to sweep with. */
export interface CloudSweepClients {
  cloudFormation: CloudFormationClient;
  ec2: EC2Client;
  /** The subscription's resource client. @default - no Azure sweep */
  azureResources?: Pick<ResourceManagementClient, 'resourceGroups'>;
  /** @default - no OpenFaaS sweep */
  openfaas?: OpenFaasSweepOptions;
}

/** The sources, in the order they are swept. */
export function cloudSweepSources(clients: CloudSweepClients): SweepSource[] {
  return [
    cloudFormationStacks(clients.cloudFormation),
    ec2Instances(clients.ec2),
    ...(clients.azureResources ? [resourceGroups(clients.azureResources)] : []),
    ...(clients.openfaas ? [openFaasFunctions(clients.openfaas)] : []),
  ];
}
