/** Tests of the platforms a stage's deployed control plane runs, from its settings. */
import { describe, expect, it } from 'vitest';
import { stagePlatforms } from './stage-platforms';

const SUBSCRIPTION = '00000000-0000-4000-8000-000000000000';

describe.concurrent('Function: stagePlatforms', () => {
  it('runs no platform without Azure: each cloud platform is benchmarked from the other cloud', () => {
    const { enabled, missing } = stagePlatforms({ azureSubscriptionId: '', openfaasGatewayUrl: 'https://gateway.example.org' });
    expect(enabled).toEqual([]);
    expect(missing['aws-lambda']).toContain('azureSubscriptionId');
    expect(missing.openfaas).toContain('azureSubscriptionId');
  });

  it('runs aws-lambda and azure-functions with Azure, and openfaas only with a gateway too', () => {
    expect(stagePlatforms({ azureSubscriptionId: SUBSCRIPTION, openfaasGatewayUrl: '' }).enabled).toEqual(['aws-lambda', 'azure-functions']);
    expect(stagePlatforms({ azureSubscriptionId: SUBSCRIPTION, openfaasGatewayUrl: '' }).missing.openfaas).toBe('-c openfaasGatewayUrl=…');
    expect(stagePlatforms({ azureSubscriptionId: SUBSCRIPTION, openfaasGatewayUrl: 'https://gateway.example.org' }).enabled).toEqual(['aws-lambda', 'azure-functions', 'openfaas']);
  });

  it('never runs local', () => {
    const { enabled, missing } = stagePlatforms({ azureSubscriptionId: SUBSCRIPTION, openfaasGatewayUrl: 'https://gateway.example.org' });
    expect(enabled).not.toContain('local');
    expect(missing.local).toBeDefined();
  });
});
