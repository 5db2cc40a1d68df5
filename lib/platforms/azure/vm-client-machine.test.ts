/**
 * AzureVmClientMachine against the fake ARM of test-support (resource groups, deployments, VM
 * instance views) through the real `@azure/arm-resources` and `@azure/arm-compute` clients over
 * https: the group and deployment it sends (template resources, the secureString custom data, the
 * throwaway SSH key), readiness from deployment to VM agent, failures and the boot timeout, the
 * idempotent destroy, the check of the VM size against the location's Compute Resource SKUs, and
 * the mapping of ARM errors, never leaking the bundle URL.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ResourceManagementClient } from '@azure/arm-resources';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createFakeArmClient, FAKE_SUBSCRIPTION, type FakeArm, type FakeArmRoute, fakeCredential, startFakeArm } from '../../../test-support/fake-arm';
import { createFakeArmResources, type FakeArmResources } from '../../../test-support/fake-arm-resources';
import { createFakeArmSkus, type FakeArmSkus, virtualMachineSku } from '../../../test-support/fake-arm-skus';
import { clientBootScript } from '../client/boot-script';
import { chooseClientSize } from '../client/machine-size';
import { ClientSizeNotOfferedError, ClientTeardownError, ClientUnavailableError, ProvisionTransientError } from '../errors';
import type { BranchInput } from '../platform';
import { AzureVmClientMachine, type AzureVmClientMachineOptions, isArm64VmSize, openSshPublicKey } from './vm-client-machine';
import type { ArmResource, ArmTemplate } from './vm-template';

const RUN_ID = '1a2b3c4d-0000-4000-8000-00000000abcd';
const RG = 'fb-1a2b3c4d-client';
const VM = 'fb-1a2b3c4d-client-vm';
const SIGNATURE = 'c2lnbmF0dXJlLURPLU5PVC1MRUFL';
const BUNDLE_URL = `https://fb-artifacts.s3.eu-west-1.amazonaws.com/agent/agent.js?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIAEXAMPLE%2F20261127%2Feu-west-1%2Fs3%2Faws4_request&X-Amz-Signature=${SIGNATURE}`;
const T0 = Date.parse('2026-11-27T10:00:00.000Z');
const GROUP_PATH = `/subscriptions/${FAKE_SUBSCRIPTION}/resourcegroups/${RG}`;

const branch = (client?: Record<string, unknown>, platformOptions: Record<string, unknown> = {}, runId = RUN_ID): BranchInput => ({
  run: { runId, platform: 'aws-lambda' },
  experiment: 'coldstart-identifier',
  params: {},
  quick: true,
  platformOptions,
  ...(client ? { client } : {}),
});

let arm: FakeArm;
let fake: FakeArmResources;
let skus: FakeArmSkus;
let clock: number;
let bundleUrls: number;
/** When set, the instance view of VM answers running with this VM agent status (the fake's own always says Ready). */
let vmAgent: { displayStatus: string; message?: string } | undefined;

const vmAgentRoute: FakeArmRoute = ({ method, url, send }) => {
  if (!vmAgent || method !== 'GET' || !url.pathname.endsWith(`/resourceGroups/${RG}/providers/Microsoft.Compute/virtualMachines/${VM}/instanceView`)) return false;
  send(200, {
    computerName: VM,
    vmAgent: { vmAgentVersion: 'Unknown', statuses: [{ code: 'ProvisioningState/Unavailable', level: 'Warning', ...vmAgent }] },
    statuses: [
      { code: 'ProvisioningState/succeeded', level: 'Info' },
      { code: 'PowerState/running', level: 'Info' },
    ],
  });
  return true;
};

beforeAll(async () => {
  arm = await startFakeArm();
});
afterAll(async () => {
  await arm?.close();
});
beforeEach(() => {
  fake = createFakeArmResources();
  skus = createFakeArmSkus();
  arm.options.routes = [vmAgentRoute, fake.route, skus.route];
  arm.requests.length = 0;
  arm.setVm(RG, VM, undefined);
  vmAgent = undefined;
  clock = T0;
  bundleUrls = 0;
});

const resources = () =>
  new ResourceManagementClient(fakeCredential, FAKE_SUBSCRIPTION, { endpoint: arm.url, tlsOptions: { ca: arm.ca }, retryOptions: { maxRetries: 0 } } as never);

const machine = (options: Partial<AzureVmClientMachineOptions> = {}) =>
  new AzureVmClientMachine({
    resources: resources(),
    compute: createFakeArmClient(arm),
    agentBundleUrl: async () => {
      bundleUrls += 1;
      return BUNDLE_URL;
    },
    location: 'westeurope',
    now: () => clock,
    ...options,
  });

const deploymentPuts = () => arm.requests.filter((request) => request.method === 'PUT' && request.path.includes('/deployments/'));
const templateOf = (index = 0) => fake.deployments[index]?.properties.template as ArmTemplate;
const resourceOf = (type: string, index = 0): ArmResource => {
  const found = templateOf(index).resources.find((resource) => resource.type === type);
  if (!found) throw new Error(`no ${type} in the template`);
  return found;
};
const customDataOf = (index = 0) => String(fake.deployments[index]?.properties.parameters?.customData?.value);
const decode = (base64: string) => Buffer.from(base64, 'base64').toString('utf8');

/** Runs check with the last answer as `input.client`, as the state machine's loop does. */
async function poll(m: AzureVmClientMachine, client: Record<string, unknown>) {
  return m.check(branch(client));
}

/** `ssh-keygen` on an OpenSSH public key line: `-l` (fingerprint line) or `-e -m PKCS8` (PEM). */
function sshKeygen(line: string, args: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'fb-sshkey-'));
  try {
    const file = join(dir, 'key.pub');
    writeFileSync(file, `${line}\n`);
    return execFileSync('ssh-keygen', [...args, '-f', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('Class: AzureVmClientMachine', () => {
  describe('Method: create', () => {
    it('creates the run group with the run and expiry tags and starts the VM deployment, answering names and the VM size only', async () => {
      fake.options.runningPolls = 100;
      const answer = await machine().create(branch());

      expect(answer).toEqual({ kind: 'azure-vm', resourceGroup: RG, vmName: VM, vmSize: 'Standard_D2s_v5', deployment: 'client', createdAt: new Date(T0).toISOString(), ready: false });
      const groupPut = arm.requests.find((request) => request.method === 'PUT' && request.path === GROUP_PATH);
      const tags = { 'faas-benchmarker:run': RUN_ID, 'faas-benchmarker:expires': '2026-11-29T16:00:00.000Z' };
      expect(groupPut?.body).toEqual({ location: 'westeurope', tags });
      expect(fake.groups.get(RG)).toEqual({ name: RG, location: 'westeurope', tags });
      expect(deploymentPuts().map((request) => request.path)).toEqual([`${GROUP_PATH}/providers/Microsoft.Resources/deployments/client`]);
      expect(fake.deployments).toHaveLength(1);
      expect(fake.deployments[0]).toMatchObject({ resourceGroup: RG, name: 'client', properties: { mode: 'Incremental' } });
      // Started, not waited for: the deployment is still running (the SDK's begin… polls it once).
      expect(arm.requests.filter((request) => request.path.startsWith('/fake-deployment-operations/')).length).toBeLessThanOrEqual(1);
      expect((await resources().deployments.get(RG, 'client')).properties?.provisioningState).toBe('Running');
      expect(JSON.stringify(answer)).not.toMatch(/https?:|X-Amz|ssh-/);
    });

    it('deploys an NSG denying all inbound, a VNet, a Standard static IP, a NIC and an Ubuntu 22.04 VM, all tagged', async () => {
      await machine().create(branch());
      const template = templateOf();

      expect(template.$schema).toMatch(/deploymentTemplate\.json#$/);
      expect(template.resources.map((resource) => `${resource.type} ${resource.name}`)).toEqual([
        `Microsoft.Network/networkSecurityGroups ${VM}-nsg`,
        `Microsoft.Network/virtualNetworks ${VM}-vnet`,
        `Microsoft.Network/publicIPAddresses ${VM}-ip`,
        `Microsoft.Network/networkInterfaces ${VM}-nic`,
        `Microsoft.Compute/virtualMachines ${VM}`,
      ]);
      for (const resource of template.resources) {
        expect(resource.location).toBe('westeurope');
        expect(resource.tags).toEqual({ 'faas-benchmarker:run': RUN_ID });
      }

      const rules = resourceOf('Microsoft.Network/networkSecurityGroups').properties.securityRules as { name: string; properties: Record<string, unknown> }[];
      expect(rules).toEqual([
        expect.objectContaining({
          name: 'DenyAllInbound',
          properties: expect.objectContaining({ direction: 'Inbound', access: 'Deny', protocol: '*', sourceAddressPrefix: '*', destinationPortRange: '*', priority: 4096 }),
        }),
      ]);
      expect(rules.filter((rule) => rule.properties.access === 'Allow')).toEqual([]);

      const vnet = resourceOf('Microsoft.Network/virtualNetworks');
      expect(vnet.properties.subnets).toEqual([
        {
          name: 'client',
          properties: {
            addressPrefix: '10.0.0.0/24',
            networkSecurityGroup: { id: `[resourceId('Microsoft.Network/networkSecurityGroups', '${VM}-nsg')]` },
            defaultOutboundAccess: false,
          },
        },
      ]);
      expect(vnet.dependsOn).toEqual([`[resourceId('Microsoft.Network/networkSecurityGroups', '${VM}-nsg')]`]);

      const ip = resourceOf('Microsoft.Network/publicIPAddresses');
      expect(ip.sku).toEqual({ name: 'Standard', tier: 'Regional' });
      expect(ip.properties).toMatchObject({ publicIPAllocationMethod: 'Static', publicIPAddressVersion: 'IPv4' });

      const nic = resourceOf('Microsoft.Network/networkInterfaces');
      expect(nic.properties.ipConfigurations).toEqual([
        {
          name: 'ipconfig1',
          properties: expect.objectContaining({
            subnet: { id: `[resourceId('Microsoft.Network/virtualNetworks/subnets', '${VM}-vnet', 'client')]` },
            publicIPAddress: { id: `[resourceId('Microsoft.Network/publicIPAddresses', '${VM}-ip')]`, properties: { deleteOption: 'Delete' } },
          }),
        },
      ]);

      const vm = resourceOf('Microsoft.Compute/virtualMachines');
      expect(vm.dependsOn).toEqual([`[resourceId('Microsoft.Network/networkInterfaces', '${VM}-nic')]`]);
      expect(vm.properties).toMatchObject({
        hardwareProfile: { vmSize: 'Standard_D2s_v5' },
        storageProfile: {
          imageReference: { publisher: 'Canonical', offer: '0001-com-ubuntu-server-jammy', sku: '22_04-lts-gen2', version: 'latest' },
          osDisk: { createOption: 'FromImage', managedDisk: { storageAccountType: 'StandardSSD_LRS' }, deleteOption: 'Delete' },
        },
        osProfile: {
          computerName: VM,
          adminUsername: 'azureuser',
          customData: "[parameters('customData')]",
          linuxConfiguration: { disablePasswordAuthentication: true, provisionVMAgent: true },
        },
        networkProfile: { networkInterfaces: [{ id: `[resourceId('Microsoft.Network/networkInterfaces', '${VM}-nic')]`, properties: { primary: true, deleteOption: 'Delete' } }] },
        diagnosticsProfile: { bootDiagnostics: { enabled: true } },
      });
      const osProfile = vm.properties.osProfile as { adminPassword?: unknown; linuxConfiguration: { ssh: { publicKeys: { path: string; keyData: string }[] } } };
      expect(osProfile.adminPassword).toBeUndefined();
      expect(osProfile.linuxConfiguration.ssh.publicKeys).toEqual([{ path: '/home/azureuser/.ssh/authorized_keys', keyData: expect.stringMatching(/^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5[A-Za-z0-9+/=]+ fb-1a2b3c4d-client-vm$/) }]);
      // A key OpenSSH itself accepts.
      expect(sshKeygen(osProfile.linuxConfiguration.ssh.publicKeys[0]?.keyData ?? '', ['-l'])).toMatch(/^256 SHA256:\S+ fb-1a2b3c4d-client-vm \(ED25519\)/);
    });

    it('passes the boot script only as the secureString customData parameter, never the URL in the clear', async () => {
      await machine().create(branch());
      const template = templateOf();

      expect(template.parameters).toEqual({ customData: { type: 'secureString', metadata: expect.any(Object) } });
      expect(Object.keys(fake.deployments[0]?.properties.parameters ?? {})).toEqual(['customData']);
      expect(decode(customDataOf())).toBe(clientBootScript({ agentBundleUrl: BUNDLE_URL }));
      expect(decode(customDataOf())).toContain(BUNDLE_URL);

      const put = deploymentPuts()[0];
      const raw = JSON.stringify(put?.body);
      expect(raw.split(customDataOf())).toHaveLength(2); // the base64 appears once: as the parameter's value
      const withoutValue = JSON.parse(raw) as { properties: { parameters: { customData: { value?: string } } } };
      withoutValue.properties.parameters.customData.value = undefined;
      const rest = JSON.stringify(withoutValue);
      for (const secret of [BUNDLE_URL, SIGNATURE, 'X-Amz-', 'amazonaws.com', customDataOf()]) expect(rest).not.toContain(secret);
      expect(JSON.stringify(arm.requests.filter((request) => request !== put))).not.toContain(SIGNATURE);
    });

    it('uses the run’s platformOptions.clientVmSize, and the Arm64 image and Node.js for an Arm64 size', async () => {
      const answer = await machine({ vmSize: 'Standard_D4s_v5' }).create(branch(undefined, { clientVmSize: 'Standard_F4s_v2' }));
      expect(resourceOf('Microsoft.Compute/virtualMachines').properties.hardwareProfile).toEqual({ vmSize: 'Standard_F4s_v2' });
      expect(answer.vmSize).toBe('Standard_F4s_v2');
      expect(decode(customDataOf())).toContain('linux-x64');

      const other = '2b3c4d5e-0000-4000-8000-00000000abcd';
      await machine().create(branch(undefined, { clientVmSize: 'Standard_D2ps_v5' }, other));
      const vm = fake.deployments[1]?.properties.template as ArmTemplate;
      expect(vm.resources.find((resource) => resource.type === 'Microsoft.Compute/virtualMachines')?.properties).toMatchObject({
        hardwareProfile: { vmSize: 'Standard_D2ps_v5' },
        storageProfile: { imageReference: { sku: '22_04-lts-arm64' } },
      });
      expect(decode(customDataOf(1))).toBe(clientBootScript({ agentBundleUrl: BUNDLE_URL, nodeArch: 'arm64' }));
    });

    it('uses the constructor’s vmSize when the run names none', async () => {
      await machine({ vmSize: 'Standard_D4s_v5' }).create(branch());
      expect(resourceOf('Microsoft.Compute/virtualMachines').properties.hardwareProfile).toEqual({ vmSize: 'Standard_D4s_v5' });
    });

    it.each([['d2s_v5'], ['Standard D2s v5'], ["Standard_D2s_v5'"], [''], [42], [{ size: 'Standard_D2s_v5' }], [`Standard_${'D'.repeat(64)}`]])(
      'refuses platformOptions.clientVmSize %j before calling Azure',
      async (value) => {
        const attempt = machine().create(branch(undefined, { clientVmSize: value }));
        await expect(attempt).rejects.toBeInstanceOf(ClientUnavailableError);
        await expect(attempt).rejects.toThrow(/clientVmSize must be an Azure VM size/);
        expect(arm.requests).toEqual([]);
        expect(bundleUrls).toBe(0);
      },
    );

    it('answers a retried create from the deployment already there, without a second deployment or bundle URL', async () => {
      const first = await machine().create(branch());
      clock += 30_000;
      const second = await machine().create(branch());

      expect(second).toEqual({ ...first, createdAt: new Date(T0 + 30_000).toISOString() });
      expect(fake.deployments).toHaveLength(1);
      expect(deploymentPuts()).toHaveLength(1);
      expect(bundleUrls).toBe(1);
    });

    it('answers started once ARM accepted the deployment, whatever the SDK’s first poll of it says', async () => {
      arm.failNext({ status: 429, method: 'GET', pathIncludes: '/fake-deployment-operations/' });
      await expect(machine().create(branch())).resolves.toMatchObject({ kind: 'azure-vm', resourceGroup: RG, vmName: VM, ready: false });

      // The deployment fails so fast that the first poll already sees it: check reports it.
      fake.options.runningPolls = 0;
      fake.options.failDeployment = () => 'quota exceeded';
      const other = '2b3c4d5e-0000-4000-8000-00000000abcd';
      const created = await machine().create(branch(undefined, {}, other));
      expect(created).toMatchObject({ resourceGroup: 'fb-2b3c4d5e-client', ready: false });
      expect(await machine().check(branch(created, {}, other))).toMatchObject({ failed: true, deploymentState: 'Failed' });
    });

    it('takes an ARM 409 DeploymentActive on the deployment PUT as started', async () => {
      arm.failNext({ status: 409, code: 'DeploymentActive', method: 'PUT', pathIncludes: '/deployments/' });
      await expect(machine().create(branch())).resolves.toMatchObject({ kind: 'azure-vm', resourceGroup: RG, vmName: VM, ready: false });
    });

    it.each([
      ['the group PUT', { status: 429, method: 'PUT', pathIncludes: '/resourcegroups/' }],
      ['the deployment lookup', { status: 503, method: 'GET', pathIncludes: '/deployments/' }],
      ['the deployment PUT', { status: 500, method: 'PUT', pathIncludes: '/deployments/' }],
    ])('maps a transient failure of %s to ProvisionTransientError', async (_what, failure) => {
      arm.failNext(failure);
      const attempt = machine().create(branch());
      await expect(attempt).rejects.toBeInstanceOf(ProvisionTransientError);
      await expect(attempt).rejects.toThrow(new RegExp(`run ${RUN_ID}: .*fake ARM: injected ${failure.status}`));
    });

    it('maps a refused deployment to ClientUnavailableError without the URL or the custom data in the message', async () => {
      arm.failNext({ status: 400, code: 'InvalidTemplate', method: 'PUT', pathIncludes: '/deployments/' });
      const error = (await machine()
        .create(branch())
        .catch((caught: unknown) => caught)) as Error;
      expect(error).toBeInstanceOf(ClientUnavailableError);
      expect(error.message).toMatch(/could not start deployment client \(Standard_D2s_v5\) in fb-1a2b3c4d-client: RestError \(400 InvalidTemplate\)/);
      for (const secret of [BUNDLE_URL, SIGNATURE, customDataOf()]) expect(error.message).not.toContain(secret);
    });

    it('redacts the URL when the bundle URL cannot be made, and maps a throttled presign to ProvisionTransientError', async () => {
      const failing = machine({
        agentBundleUrl: async () => {
          throw new Error(`could not presign ${BUNDLE_URL}`);
        },
      });
      const error = (await failing.create(branch()).catch((caught: unknown) => caught)) as Error;
      expect(error).toBeInstanceOf(ClientUnavailableError);
      expect(error.message).toMatch(/could not make the agent bundle URL/);
      expect(error.message).not.toContain(SIGNATURE);
      expect(deploymentPuts()).toEqual([]);

      const throttled = machine({
        agentBundleUrl: async () => {
          throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 429 } });
        },
      });
      await expect(throttled.create(branch())).rejects.toBeInstanceOf(ProvisionTransientError);
    });
  });

  describe('Method: check', () => {
    it('goes from a Running deployment through a VM not yet running to ready, keeping names and createdAt', async () => {
      fake.options.runningPolls = 2; // create's own poll, then the first check
      const m = machine();
      const created = await m.create(branch());
      const kept = { kind: 'azure-vm', resourceGroup: RG, vmName: VM, deployment: 'client', createdAt: new Date(T0).toISOString() };

      clock += 60_000;
      const running = await poll(m, created);
      expect(running).toEqual({ ...kept, ready: false, deploymentState: 'Running' });

      // Succeeded, but the VM is not listed yet.
      clock += 60_000;
      const unlisted = await poll(m, running);
      expect(unlisted).toEqual({ ...kept, ready: false, deploymentState: 'Succeeded' });

      arm.setVm(RG, VM, 'starting');
      const starting = await poll(m, unlisted);
      expect(starting).toEqual({ ...kept, ready: false, deploymentState: 'Succeeded', powerState: 'PowerState/starting', vmAgentStatus: 'Ready' });

      arm.setVm(RG, VM, 'running');
      const ready = await poll(m, starting);
      expect(ready).toEqual({ ...kept, ready: true, deploymentState: 'Succeeded', powerState: 'PowerState/running', vmAgentStatus: 'Ready' });
      expect(arm.requests.filter((request) => request.path.endsWith(`/virtualMachines/${VM}/instanceView`))).toHaveLength(3);
    });

    it('is not ready while the VM agent is not Ready, and fails past the boot timeout naming the agent', async () => {
      fake.options.runningPolls = 0;
      const m = machine({ bootTimeoutMs: 10 * 60_000 });
      const created = await m.create(branch());
      arm.setVm(RG, VM, 'running');
      vmAgent = { displayStatus: 'Not Ready', message: 'VM status blob is found but not yet populated.' };

      clock += 5 * 60_000;
      const waiting = await poll(m, created);
      expect(waiting).toMatchObject({ ready: false, powerState: 'PowerState/running', vmAgentStatus: 'Not Ready', resourceGroup: RG, vmName: VM });
      expect(waiting.failed).toBeUndefined();

      clock = T0 + 10 * 60_000;
      const late = await poll(m, waiting);
      expect(late).toMatchObject({ ready: false, failed: true, resourceGroup: RG, vmName: VM, createdAt: new Date(T0).toISOString() });
      expect(late.reason).toBe(
        `run ${RUN_ID}: VM ${VM} is running but its VM agent is Not Ready (VM status blob is found but not yet populated.), not Ready (see the VM's boot diagnostics) after 10 min`,
      );
    });

    it('fails past the boot timeout while the deployment is still running, or the VM still not running', async () => {
      fake.options.runningPolls = 100;
      const m = machine();
      const created = await m.create(branch());
      clock = T0 + 20 * 60_000 - 1;
      expect(await poll(m, created)).toMatchObject({ ready: false, deploymentState: 'Running' });
      clock = T0 + 20 * 60_000;
      expect(await poll(m, created)).toEqual({
        kind: 'azure-vm',
        resourceGroup: RG,
        vmName: VM,
        deployment: 'client',
        createdAt: new Date(T0).toISOString(),
        deploymentState: 'Running',
        ready: false,
        failed: true,
        reason: `run ${RUN_ID}: deployment client of VM ${VM} is still Running after 20 min`,
      });

      fake.options.runningPolls = 0;
      arm.setVm(RG, VM, 'starting');
      expect(await poll(m, created)).toMatchObject({ failed: true, reason: `run ${RUN_ID}: VM ${VM} is still starting, not running after 20 min` });
      arm.setVm(RG, VM, undefined);
      expect(await poll(m, created)).toMatchObject({ failed: true, reason: `run ${RUN_ID}: VM ${VM} does not exist 20 min after create, although its deployment succeeded` });
    });

    it('answers failed with the failed operation’s message when the deployment failed', async () => {
      const why = "The requested VM size 'Standard_D2s_v5' is currently not available in location 'westeurope'.";
      fake.options.failDeployment = () => why;
      fake.options.runningPolls = 2;
      const m = machine();
      const created = await m.create(branch());
      expect(await poll(m, created)).toMatchObject({ ready: false, deploymentState: 'Running' });

      const failed = await poll(m, created);
      expect(failed).toMatchObject({ ready: false, failed: true, deploymentState: 'Failed', resourceGroup: RG, vmName: VM, createdAt: new Date(T0).toISOString() });
      expect(failed.reason).toBe(`run ${RUN_ID}: deployment client of VM ${VM} is Failed: DeploymentFailed: ${why} (Conflict: ${why})`);
      expect(arm.requests.some((request) => request.path.endsWith('/deployments/client/operations'))).toBe(true);
    });

    it('falls back to the deployment’s own error when its operations cannot be listed', async () => {
      fake.options.failDeployment = () => 'quota exceeded';
      fake.options.runningPolls = 0;
      const created = await machine().create(branch());
      arm.failNext({ status: 500, method: 'GET', pathIncludes: '/deployments/client/operations' });
      const failed = await machine().check(branch(created));
      expect(failed).toMatchObject({ failed: true, reason: `run ${RUN_ID}: deployment client of VM ${VM} is Failed: DeploymentFailed: quota exceeded (Conflict: quota exceeded)` });
    });

    it('fails a stopped or deallocated VM at once', async () => {
      fake.options.runningPolls = 0;
      const created = await machine().create(branch());
      arm.setVm(RG, VM, 'deallocated');
      expect(await machine().check(branch(created))).toMatchObject({ ready: false, failed: true, powerState: 'PowerState/deallocated', reason: `run ${RUN_ID}: VM ${VM} is deallocated and will not start by itself` });
    });

    it('answers failed when the group or the deployment does not exist', async () => {
      const client = { kind: 'azure-vm', resourceGroup: RG, vmName: VM, deployment: 'client', createdAt: new Date(T0).toISOString(), ready: false };
      expect(await machine().check(branch(client))).toEqual({
        kind: 'azure-vm',
        resourceGroup: RG,
        vmName: VM,
        deployment: 'client',
        createdAt: new Date(T0).toISOString(),
        ready: false,
        failed: true,
        reason: `run ${RUN_ID}: resource group ${RG} does not exist (it was never created, or it was deleted)`,
      });

      await resources().resourceGroups.createOrUpdate(RG, { location: 'westeurope' });
      expect(await machine().check(branch(client))).toMatchObject({
        failed: true,
        reason: `run ${RUN_ID}: deployment client does not exist in resource group ${RG} (it was never created, or it was deleted)`,
      });
    });

    it('starts the boot clock now when create’s answer is missing', async () => {
      fake.options.runningPolls = 100;
      await machine().create(branch());
      clock = T0 + 60 * 60_000;
      expect(await machine().check(branch())).toEqual({
        kind: 'azure-vm',
        resourceGroup: RG,
        vmName: VM,
        deployment: 'client',
        createdAt: new Date(clock).toISOString(),
        ready: false,
        deploymentState: 'Running',
      });
    });

    it.each([
      ['the deployment GET', { status: 429, method: 'GET', pathIncludes: '/deployments/client' }, 0],
      ['the instance view', { status: 500, method: 'GET', pathIncludes: '/instanceView' }, 0],
      ['the instance view (throttled)', { status: 429, method: 'GET', pathIncludes: '/instanceView' }, 0],
    ])('maps a transient failure of %s to ProvisionTransientError', async (_what, failure, runningPolls) => {
      fake.options.runningPolls = runningPolls;
      const created = await machine().create(branch());
      arm.setVm(RG, VM, 'running');
      arm.failNext(failure);
      const attempt = machine().check(branch(created));
      await expect(attempt).rejects.toBeInstanceOf(ProvisionTransientError);
      await expect(attempt).rejects.toThrow(new RegExp(`run ${RUN_ID}: could not read .*fake ARM: injected ${failure.status}`));
    });

    it('maps a refused instance view (403) to ClientUnavailableError', async () => {
      fake.options.runningPolls = 0;
      const created = await machine().create(branch());
      arm.failNext({ status: 403, code: 'AuthorizationFailed', method: 'GET', pathIncludes: '/instanceView' });
      await expect(machine().check(branch(created))).rejects.toBeInstanceOf(ClientUnavailableError);
    });
  });

  describe('Method: destroy', () => {
    it('starts deleting the run group (VMs force-deleted) without waiting, and a second destroy is fine', async () => {
      const m = machine();
      const created = await m.create(branch());
      arm.requests.length = 0;

      await m.destroy(branch(created));
      expect(fake.deletedGroups).toEqual([RG]);
      expect(fake.groups.has(RG)).toBe(false);
      expect(arm.requests[0]).toMatchObject({ method: 'DELETE', path: GROUP_PATH, query: { forceDeletionTypes: 'Microsoft.Compute/virtualMachines' } });
      // The SDK's begin… polls the deletion once at most; nothing waits for it to end.
      expect(arm.requests.slice(1).map((request) => `${request.method} ${request.path}`)).toEqual([`GET /fake-group-deletions/${RG}`]);

      await expect(m.destroy(branch(created))).resolves.toBeUndefined();
      expect(fake.deletedGroups).toEqual([RG]);
    });

    it('derives the group from the run id when create never answered', async () => {
      await resources().resourceGroups.createOrUpdate(RG, { location: 'westeurope' });
      await machine().destroy(branch());
      expect(fake.deletedGroups).toEqual([RG]);
    });

    it('maps a transient failure to ProvisionTransientError and a refusal to ClientTeardownError', async () => {
      await resources().resourceGroups.createOrUpdate(RG, { location: 'westeurope' });
      arm.failNext({ status: 429, method: 'DELETE' });
      await expect(machine().destroy(branch())).rejects.toBeInstanceOf(ProvisionTransientError);
      arm.failNext({ status: 403, code: 'AuthorizationFailed', method: 'DELETE' });
      const refused = machine().destroy(branch());
      await expect(refused).rejects.toBeInstanceOf(ClientTeardownError);
      await expect(refused).rejects.toThrow(`run ${RUN_ID}: could not delete resource group ${RG}: RestError (403 AuthorizationFailed): fake ARM: injected 403`);
      expect(fake.groups.has(RG)).toBe(true);
    });
  });

  describe('Method: checkSizeOffered', () => {
    const warned: string[] = [];
    const checking = (options: Partial<AzureVmClientMachineOptions> = {}) => machine({ onWarning: (message) => void warned.push(message), ...options });
    const skuRequests = () => arm.requests.filter((request) => request.path === `/subscriptions/${FAKE_SUBSCRIPTION}/providers/Microsoft.Compute/skus`);
    beforeEach(() => {
      warned.length = 0;
    });

    it('lists the location’s SKUs and passes the size the run would deploy when it is offered there without restriction', async () => {
      skus.options.skus = [
        { resourceType: 'disks', name: 'Standard_D2s_v5', locations: ['westeurope'] },
        virtualMachineSku('Standard_D2s_v5', 'westeurope'),
        virtualMachineSku('standard_d4_v3', 'WestEurope'),
      ];
      // The deployment's default when neither the run nor the experiment names one.
      await expect(checking().checkSizeOffered(chooseClientSize(undefined, {}))).resolves.toBeUndefined();
      expect(skuRequests().map((request) => request.query)).toEqual([{ 'api-version': '2021-07-01', $filter: "location eq 'westeurope'" }]);
      // The experiment's size over the machine's default; names and locations matched case-insensitively, as ARM does.
      await expect(checking({ vmSize: 'Standard_B1s' }).checkSizeOffered(chooseClientSize({ azureVmSize: 'Standard_D4_v3' }, {}))).resolves.toBeUndefined();
      expect(warned).toEqual([]);
      expect(fake.groups.size).toBe(0);
      expect(fake.deployments).toEqual([]);
    });

    it('refuses a size the location does not list, naming the size, who chose it, the location and the option to change', async () => {
      skus.options.skus = [virtualMachineSku('Standard_D2s_v5', 'westeurope'), virtualMachineSku('Standard_HB176rs_v4', 'eastus')];
      const refusal = await checking().checkSizeOffered(chooseClientSize(undefined, { clientVmSize: 'Standard_HB176rs_v4' })).catch((error: unknown) => error);
      expect(refusal).toBeInstanceOf(ClientSizeNotOfferedError);
      expect((refusal as Error).name).toBe('ClientSizeNotOfferedError');
      expect((refusal as Error).message).toBe(
        "the client's Azure VM size Standard_HB176rs_v4 (named by platformOptions.clientVmSize) cannot be used in westeurope: Azure's Compute Resource SKUs list no virtualMachines size " +
          'of that name in the location; name a size that westeurope offers with platformOptions.clientVmSize (fb run --platform-option client-vm-size=…)',
      );
    });

    it('refuses a size restricted in the location for the subscription, naming the reason code; a zone restriction is no refusal', async () => {
      skus.options.skus = [virtualMachineSku('Standard_D4_v3', 'westeurope', 'NotAvailableForSubscription'), virtualMachineSku('Standard_M416ms_v2', 'westeurope', 'QuotaId')];
      await expect(checking().checkSizeOffered(chooseClientSize({ azureVmSize: 'Standard_D4_v3' }, {}))).rejects.toThrow(
        expect.objectContaining({
          name: 'ClientSizeNotOfferedError',
          message: expect.stringContaining(
            "Standard_D4_v3 (the experiment's declared client size) cannot be used in westeurope: Azure restricts this size there for the subscription (reason code NotAvailableForSubscription: not available to this subscription in the location)",
          ),
        }),
      );
      await expect(checking().checkSizeOffered(chooseClientSize(undefined, { clientVmSize: 'Standard_M416ms_v2' }))).rejects.toThrow(/reason code QuotaId: the subscription's offer does not include this size/);

      skus.options.skus = [{ ...virtualMachineSku('Standard_D4_v3', 'westeurope'), restrictions: [{ type: 'Zone', values: ['westeurope'], restrictionInfo: { locations: ['westeurope'], zones: ['1'] }, reasonCode: 'NotAvailableForSubscription' }] }];
      await expect(checking().checkSizeOffered(chooseClientSize({ azureVmSize: 'Standard_D4_v3' }, {}))).resolves.toBeUndefined();
    });

    it('follows the list’s nextLink pages before refusing', async () => {
      skus.options.pageSize = 1;
      skus.options.skus = [virtualMachineSku('Standard_B1s', 'westeurope'), virtualMachineSku('Standard_B2s', 'westeurope'), virtualMachineSku('Standard_D2s_v5', 'westeurope')];
      await expect(checking().checkSizeOffered(chooseClientSize(undefined, {}))).resolves.toBeUndefined();
      expect(skuRequests()).toHaveLength(3);
      await expect(checking().checkSizeOffered(chooseClientSize(undefined, { clientVmSize: 'Standard_E2s_v5' }))).rejects.toBeInstanceOf(ClientSizeNotOfferedError);
      expect(skuRequests()).toHaveLength(6);
    });

    it('does not refuse the run when ARM cannot list the SKUs (throttled, 5xx, no permission): it says so and lets ProvisionClient find out', async () => {
      skus.options.skus = [];
      for (const failure of [
        { status: 429, expected: /a transient failure: RestError \(429 TooManyRequests\)/ },
        { status: 503, expected: /a transient failure: RestError \(503 InternalServerError\)/ },
        { status: 403, code: 'AuthorizationFailed', expected: /a failure: RestError \(403 AuthorizationFailed\)/ },
      ]) {
        arm.failNext({ status: failure.status, method: 'GET', pathIncludes: '/providers/Microsoft.Compute/skus', ...(failure.code ? { code: failure.code } : {}) });
        await expect(checking().checkSizeOffered(chooseClientSize(undefined, {}))).resolves.toBeUndefined();
        expect(warned.at(-1)).toMatch(failure.expected);
      }
      expect(warned[0]).toMatch(/^could not check whether westeurope offers the client's Azure VM size Standard_D2s_v5 \(.*\); ProvisionClient will find out$/);
    });
  });

  it('names the group and the VM after the run', () => {
    expect(AzureVmClientMachine.resourceGroupOf(RUN_ID)).toBe(RG);
    expect(AzureVmClientMachine.vmNameOf(RUN_ID)).toBe(VM);
  });
});

describe('Function: openSshPublicKey', () => {
  it('writes an Ed25519 key OpenSSH reads back, holding the same 32 raw bytes', () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    const line = openSshPublicKey(publicKey, 'fb-test');
    expect(sshKeygen(line, ['-l'])).toMatch(/^256 SHA256:\S+ fb-test \(ED25519\)/);
    const blob = Buffer.from(line.split(' ')[1] ?? '', 'base64');
    expect(blob.subarray(-32)).toEqual(publicKey.export({ type: 'spki', format: 'der' }).subarray(-32));
  });

  it('writes an RSA key OpenSSH converts back to the same SPKI key', () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const line = openSshPublicKey(publicKey);
    expect(line).toMatch(/^ssh-rsa AAAAB3NzaC1yc2E[A-Za-z0-9+/=]+$/);
    expect(sshKeygen(line, ['-e', '-m', 'PKCS8']).trim()).toBe(String(publicKey.export({ type: 'spki', format: 'pem' })).trim());
  });

  it('refuses other key types', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(() => openSshPublicKey(publicKey)).toThrow(/unsupported key type ec/);
  });
});

describe('Function: isArm64VmSize', () => {
  it.each([
    ['Standard_D2ps_v5', true],
    ['Standard_D4plds_v5', true],
    ['Standard_E2pds_v6', true],
    ['Standard_B2pts_v2', true],
    ['Standard_D2s_v5', false],
    ['Standard_F4s_v2', false],
    ['Standard_NP10s', false],
    ['Standard_E4-2s_v5', false],
    ['Standard_NC24ads_A100_v4', false],
  ])('%s → %s', (size, arm64) => {
    expect(isArm64VmSize(size)).toBe(arm64);
  });
});
