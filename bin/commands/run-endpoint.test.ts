import { describe, expect, it } from 'vitest';
import { EndpointOptionError, NoStateMachineAtEndpointError, refuseUnsupportedEndpointOptions, runThroughEndpoint } from './run-endpoint';

describe('fb run --endpoint', () => {
  it('refuses, in one line, the options the fb serve it names decides itself', () => {
    expect(() => refuseUnsupportedEndpointOptions({ platforms: ['local', 'openfaas'] })).not.toThrow();
    const refuse = (options: Parameters<typeof refuseUnsupportedEndpointOptions>[0]) => () => refuseUnsupportedEndpointOptions(options);
    expect(refuse({ platforms: ['local'], gatewayUrl: 'http://127.0.0.1:8080' })).toThrow(new EndpointOptionError('--endpoint runs on the local control plane of the fb serve it names (platforms local and openfaas), one experiment after another: not with --gateway-url'));
    expect(refuse({ platforms: ['openfaas', 'aws-lambda'], all: true, parallel: 2, budget: 1 })).toThrow(/not with --platform openfaas,aws-lambda, --all, --parallel, --budget$/);
  });

  it('names an endpoint that does not answer as the Step Functions API', async () => {
    const run = runThroughEndpoint([], { endpoint: 'http://127.0.0.1:1', platforms: ['local'], quick: true, paramOverrides: {}, platformOptions: {}, report: () => undefined });
    await expect(run).rejects.toThrow(NoStateMachineAtEndpointError);
    await expect(run).rejects.toThrow(/http:\/\/127\.0\.0\.1:1 does not answer as the Step Functions API \(is fb serve running there\?\)/);
  });
});
