import { WebSiteManagementClient } from '@azure/arm-appservice';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_SUBSCRIPTION, type FakeArm, fakeCredential, startFakeArm } from '../../../test-support/fake-arm';
import { createFakeAzureWeb, type FakeAzureWeb } from '../../../test-support/fake-azure-web';
import { ProvisionFailedError } from '../errors';
import { AzureFunctionsColdForcer } from './cold-forcer';
import { AzureFunctionsProvisioner } from './provisioner';

const RUN_ID = '3f2a9c1d-0000-4000-8000-000000000002';
let arm: FakeArm;
let web: FakeAzureWeb;
let forcer: AzureFunctionsColdForcer;

beforeAll(async () => {
  web = createFakeAzureWeb();
  arm = await startFakeArm({ routes: [web.route] });
  const client = new WebSiteManagementClient(fakeCredential, FAKE_SUBSCRIPTION, { endpoint: arm.url, tlsOptions: { ca: arm.ca }, retryOptions: { maxRetries: 0 } } as never);
  forcer = new AzureFunctionsColdForcer(client);
});
afterAll(async () => {
  await arm?.close();
});

describe('AzureFunctionsColdForcer', () => {
  it('restarts the run’s function app hard (not a soft restart), and waits for it', async () => {
    await forcer.forceCold(RUN_ID, 'function3');
    const names = AzureFunctionsProvisioner.namesOf(RUN_ID);
    expect(web.restarts).toEqual([{ app: names.apps.function3, query: expect.objectContaining({ softRestart: 'false', synchronous: 'true' }) }]);
    const request = arm.requests.find((candidate) => candidate.path.endsWith('/restart'));
    expect(request?.path).toContain(`/resourceGroups/${names.resourceGroup}/providers/Microsoft.Web/sites/${names.apps.function3}/restart`);
  });

  it('fails naming the app when it does not exist', async () => {
    const names = AzureFunctionsProvisioner.namesOf(RUN_ID);
    web.options.missingApps = [names.apps.function1];
    const error = await forcer.forceCold(RUN_ID, 'function1').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProvisionFailedError);
    expect((error as Error).message).toContain(names.apps.function1);
  });
});
