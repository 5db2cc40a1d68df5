import { describe, expect, it } from 'vitest';
import { EndpointOptionError, NoStateMachineAtEndpointError, refuseUnsupportedEndpointOptions, runThroughEndpoint } from './run-endpoint';

describe('fb run --endpoint', () => {
  it('refuses, in one line, the options the fb serve it names decides itself', () => {
    expect(() => refuseUnsupportedEndpointOptions({ platform: 'local' })).not.toThrow();
    const refuse = (options: Parameters<typeof refuseUnsupportedEndpointOptions>[0]) => () => refuseUnsupportedEndpointOptions(options);
    expect(refuse({ platform: 'local', gatewayUrl: 'http://127.0.0.1:8080' })).toThrow(new EndpointOptionError('--endpoint runs on the local platform of the fb serve it names, one experiment after another: not with --gateway-url'));
    expect(refuse({ platform: 'openfaas', all: true, parallel: 2, budget: 1 })).toThrow(/not with --platform openfaas, --all, --parallel, --budget$/);
  });

  it('names an endpoint that does not answer as the Step Functions API', async () => {
    const run = runThroughEndpoint([], { endpoint: 'http://127.0.0.1:1', platform: 'local', quick: true, paramOverrides: {}, platformOptions: {}, report: () => undefined });
    await expect(run).rejects.toThrow(NoStateMachineAtEndpointError);
    await expect(run).rejects.toThrow(/http:\/\/127\.0\.0\.1:1 does not answer as the Step Functions API \(is fb serve running there\?\)/);
  });
});
