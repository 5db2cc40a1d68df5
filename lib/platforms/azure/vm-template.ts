/**
 * The per-run Azure client VM, as a plain ARM template object (deployed by `AzureVmClientMachine`
 * into the run's own resource group as the deployment `client`).
 *
 * What one run's template holds, all in `location` and tagged `faas-benchmarker:run=<runId>`:
 * - a network security group whose only custom rule is an explicit `DenyAllInbound` (Azure's
 *   default rules already deny inbound from the internet; the explicit rule also shuts out the
 *   VNet and the load balancer probes). Outbound stays at Azure's defaults (allowed): the agent
 *   calls AWS (or an OpenFaaS gateway) over the internet;
 * - a VNet with one subnet carrying that NSG, with `defaultOutboundAccess: false` (Azure retired
 *   implicit outbound access for new VNets; the VM gets outbound through its own public IP);
 * - a Standard, static, IPv4 public IP (Standard IPs are closed inbound unless an NSG allows it);
 * - a NIC in the subnet with that public IP (deleted with the NIC);
 * - the VM: Ubuntu 22.04 LTS (Canonical `0001-com-ubuntu-server-jammy`, `22_04-lts-gen2`, or
 *   `22_04-lts-arm64` for an Arm64 size), latest; managed StandardSSD_LRS OS disk and the NIC
 *   deleted with the VM; password login off and only the given SSH public key authorized (nobody
 *   logs in: the agent is driven through Run Command, which needs the VM agent, so
 *   `provisionVMAgent` is on); boot diagnostics on managed storage (the serial log is what tells
 *   why a VM never got Ready); `customData` from the secureString parameter `customData`.
 *
 * The boot script travels only as the secureString parameter: it holds a presigned URL, and ARM
 * never shows a secureString's value in the deployment history, nor does a VM's GET return its
 * customData. Nothing else in the template is secret (the SSH public key is public by nature).
 */

import { RUN_TAG_KEY } from '../run-resources';

/** The template's one parameter: the VM's custom data (base64 of the boot script). */
export const CUSTOM_DATA_PARAMETER = 'customData';

export const NETWORK_API_VERSION = '2023-09-01';
export const COMPUTE_API_VERSION = '2024-03-01';

/** The user the SSH key is authorized for; never used to log in. */
export const ADMIN_USERNAME = 'azureuser';

/** Ubuntu 22.04 LTS images: the x64 gen2 one, and the Arm64 one (gen2 only) for `p` sizes. */
export const UBUNTU_IMAGE = { publisher: 'Canonical', offer: '0001-com-ubuntu-server-jammy', version: 'latest' } as const;
export const UBUNTU_SKU_X64 = '22_04-lts-gen2';
export const UBUNTU_SKU_ARM64 = '22_04-lts-arm64';

export interface AzureVmTemplateOptions {
  runId: string;
  /** Name of the VM; the other resources are named after it (`<vmName>-nsg`, `-vnet`, `-ip`, `-nic`, `-osdisk`). */
  vmName: string;
  /** Azure region of every resource, e.g. `westeurope`. */
  location: string;
  /** e.g. `Standard_D2s_v5`. */
  vmSize: string;
  /** `x64` picks the gen2 x64 image, `arm64` the Arm64 one. */
  arch: 'x64' | 'arm64';
  /** OpenSSH public key (`ssh-ed25519 AAAA…` or `ssh-rsa AAAA…`) authorized for `ADMIN_USERNAME`. */
  sshPublicKey: string;
  /** Tag key → value on every resource (the run tag is added). */
  tags?: Record<string, string>;
}

/** One resource of an ARM template, loosely typed. */
export interface ArmResource {
  type: string;
  apiVersion: string;
  name: string;
  location: string;
  tags: Record<string, string>;
  dependsOn?: string[];
  sku?: Record<string, unknown>;
  properties: Record<string, unknown>;
}

/** An ARM deployment template, loosely typed: what goes into the deployment's `properties.template`. */
export interface ArmTemplate {
  $schema: string;
  contentVersion: string;
  parameters: Record<string, { type: string; metadata?: { description: string } }>;
  resources: ArmResource[];
  outputs: Record<string, { type: string; value: unknown }>;
}

/** The names of the resources the template makes for `vmName`. */
export function azureVmResourceNames(vmName: string) {
  return {
    nsg: `${vmName}-nsg`,
    vnet: `${vmName}-vnet`,
    subnet: 'client',
    publicIp: `${vmName}-ip`,
    nic: `${vmName}-nic`,
    osDisk: `${vmName}-osdisk`,
    vm: vmName,
  };
}

/** `[resourceId('<type>', '<name>'…)]`, the ARM expression of a resource of this deployment. */
function resourceId(type: string, ...names: string[]): string {
  return `[resourceId('${type}', ${names.map((name) => `'${name}'`).join(', ')})]`;
}

/** The run's client VM (see the file comment). */
export function azureVmTemplate(options: AzureVmTemplateOptions): ArmTemplate {
  const { runId, vmName, location, vmSize, arch, sshPublicKey } = options;
  const names = azureVmResourceNames(vmName);
  const tags = { ...options.tags, [RUN_TAG_KEY]: runId };
  const nsgId = resourceId('Microsoft.Network/networkSecurityGroups', names.nsg);
  const vnetId = resourceId('Microsoft.Network/virtualNetworks', names.vnet);
  const subnetId = resourceId('Microsoft.Network/virtualNetworks/subnets', names.vnet, names.subnet);
  const publicIpId = resourceId('Microsoft.Network/publicIPAddresses', names.publicIp);
  const nicId = resourceId('Microsoft.Network/networkInterfaces', names.nic);

  const resources: ArmResource[] = [
    {
      type: 'Microsoft.Network/networkSecurityGroups',
      apiVersion: NETWORK_API_VERSION,
      name: names.nsg,
      location,
      tags,
      properties: {
        securityRules: [
          {
            name: 'DenyAllInbound',
            properties: {
              description: 'Nothing may reach the client VM; it is driven through Run Command, not SSH.',
              priority: 4096,
              direction: 'Inbound',
              access: 'Deny',
              protocol: '*',
              sourceAddressPrefix: '*',
              sourcePortRange: '*',
              destinationAddressPrefix: '*',
              destinationPortRange: '*',
            },
          },
        ],
      },
    },
    {
      type: 'Microsoft.Network/virtualNetworks',
      apiVersion: NETWORK_API_VERSION,
      name: names.vnet,
      location,
      tags,
      dependsOn: [nsgId],
      properties: {
        addressSpace: { addressPrefixes: ['10.0.0.0/16'] },
        subnets: [
          {
            name: names.subnet,
            properties: { addressPrefix: '10.0.0.0/24', networkSecurityGroup: { id: nsgId }, defaultOutboundAccess: false },
          },
        ],
      },
    },
    {
      type: 'Microsoft.Network/publicIPAddresses',
      apiVersion: NETWORK_API_VERSION,
      name: names.publicIp,
      location,
      tags,
      sku: { name: 'Standard', tier: 'Regional' },
      properties: { publicIPAllocationMethod: 'Static', publicIPAddressVersion: 'IPv4' },
    },
    {
      type: 'Microsoft.Network/networkInterfaces',
      apiVersion: NETWORK_API_VERSION,
      name: names.nic,
      location,
      tags,
      dependsOn: [vnetId, publicIpId],
      properties: {
        ipConfigurations: [
          {
            name: 'ipconfig1',
            properties: {
              primary: true,
              privateIPAllocationMethod: 'Dynamic',
              subnet: { id: subnetId },
              publicIPAddress: { id: publicIpId, properties: { deleteOption: 'Delete' } },
            },
          },
        ],
      },
    },
    {
      type: 'Microsoft.Compute/virtualMachines',
      apiVersion: COMPUTE_API_VERSION,
      name: names.vm,
      location,
      tags,
      dependsOn: [nicId],
      properties: {
        hardwareProfile: { vmSize },
        storageProfile: {
          imageReference: { ...UBUNTU_IMAGE, sku: arch === 'arm64' ? UBUNTU_SKU_ARM64 : UBUNTU_SKU_X64 },
          osDisk: {
            name: names.osDisk,
            createOption: 'FromImage',
            caching: 'ReadWrite',
            managedDisk: { storageAccountType: 'StandardSSD_LRS' },
            deleteOption: 'Delete',
          },
        },
        osProfile: {
          computerName: vmName,
          adminUsername: ADMIN_USERNAME,
          customData: `[parameters('${CUSTOM_DATA_PARAMETER}')]`,
          linuxConfiguration: {
            disablePasswordAuthentication: true,
            provisionVMAgent: true,
            ssh: { publicKeys: [{ path: `/home/${ADMIN_USERNAME}/.ssh/authorized_keys`, keyData: sshPublicKey }] },
          },
        },
        networkProfile: { networkInterfaces: [{ id: nicId, properties: { primary: true, deleteOption: 'Delete' } }] },
        // No storageUri: managed boot diagnostics storage.
        diagnosticsProfile: { bootDiagnostics: { enabled: true } },
      },
    },
  ];

  return {
    $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
    contentVersion: '1.0.0.0',
    parameters: {
      [CUSTOM_DATA_PARAMETER]: { type: 'secureString', metadata: { description: 'Base64 of the boot script (it holds a presigned URL).' } },
    },
    resources,
    outputs: {
      vmId: { type: 'string', value: resourceId('Microsoft.Compute/virtualMachines', names.vm) },
    },
  };
}
