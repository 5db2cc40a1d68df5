import { ResourceManagementClient } from '@azure/arm-resources';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_SUBSCRIPTION, type FakeArm, fakeCredential, startFakeArm } from './fake-arm';
import { createFakeArmResources, type FakeArmResources } from './fake-arm-resources';

let arm: FakeArm;
let fake: FakeArmResources;
let client: ResourceManagementClient;

beforeAll(async () => {
  fake = createFakeArmResources({ outputsFor: (deployment) => ({ echo: { type: 'String', value: deployment.name } }) });
  arm = await startFakeArm({ routes: [fake.route] });
  client = new ResourceManagementClient(fakeCredential, FAKE_SUBSCRIPTION, { endpoint: arm.url, tlsOptions: { ca: arm.ca }, retryOptions: { maxRetries: 0 } } as never);
});
afterAll(() => arm.close());

describe('the fake ARM resources routes, through @azure/arm-resources', () => {
  it('create a group, run a deployment to its outputs, and delete the group with it', async () => {
    await client.resourceGroups.createOrUpdate('fb-Run1', { location: 'westeurope', tags: { run: 'r1' } });
    expect(fake.groups.get('fb-run1')).toMatchObject({ location: 'westeurope', tags: { run: 'r1' } });
    const poller = await client.deployments.beginCreateOrUpdate('fb-run1', 'lab', { properties: { mode: 'Incremental', template: { resources: [] }, parameters: { a: { value: 1 } } } });
    const done = await poller.pollUntilDone();
    expect(done.properties?.provisioningState).toBe('Succeeded');
    expect((await client.deployments.get('fb-run1', 'lab')).properties?.outputs).toEqual({ echo: { type: 'String', value: 'lab' } });
    expect(fake.deployments[0]?.properties.parameters).toEqual({ a: { value: 1 } });
    await (await client.resourceGroups.beginDelete('fb-run1')).pollUntilDone();
    expect(fake.deletedGroups).toEqual(['fb-Run1']);
    await expect(client.resourceGroups.get('fb-run1')).rejects.toMatchObject({ statusCode: 404, code: 'ResourceGroupNotFound' });
  });

  it('ends a deployment Failed with the reason asked for', async () => {
    fake.options.failDeployment = () => 'quota exceeded';
    await client.resourceGroups.createOrUpdate('fb-run2', { location: 'westeurope' });
    await client.deployments.beginCreateOrUpdate('fb-run2', 'lab', { properties: { mode: 'Incremental', template: {} } });
    await client.deployments.get('fb-run2', 'lab');
    const state = await client.deployments.get('fb-run2', 'lab');
    expect(state.properties).toMatchObject({ provisioningState: 'Failed', error: { message: 'quota exceeded' } });
    fake.options.failDeployment = undefined;
  });
});
