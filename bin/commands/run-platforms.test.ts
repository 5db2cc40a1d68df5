import { describe, expect, it } from 'vitest';
import { compareHeadlines } from './run-outcome';
import { checkDeployedRunOptions, checkLocalRunOptions, controlPlaneOf, InvalidPlatformListError, PlatformMixError, parsePlatformList } from './run-platforms';

const NO_OPTIONS = { local: {}, client: {} };

describe.concurrent('Function: parsePlatformList', () => {
  it('reads one platform or several separated by commas, in the order named, spaces ignored', () => {
    expect(parsePlatformList('local')).toEqual(['local']);
    expect(parsePlatformList('aws-lambda, azure-functions,openfaas')).toEqual(['aws-lambda', 'azure-functions', 'openfaas']);
  });

  it('refuses an unknown platform, a repeat and an empty name, each in one line naming it', () => {
    expect(() => parsePlatformList('local,lambda')).toThrow(new InvalidPlatformListError('--platform: unknown platform lambda; known: local, openfaas, aws-lambda, azure-functions'));
    expect(() => parsePlatformList('local,openfaas,local')).toThrow('--platform: local named more than once');
    expect(() => parsePlatformList('local,,openfaas')).toThrow(InvalidPlatformListError);
    expect(() => parsePlatformList('')).toThrow(InvalidPlatformListError);
  });
});

describe.concurrent('Function: controlPlaneOf', () => {
  it('runs local and openfaas on this machine, any cloud platform (openfaas then the deployment’s gateway) on the deployed control plane', () => {
    expect(controlPlaneOf(['local'])).toBe('local');
    expect(controlPlaneOf(['openfaas'])).toBe('local');
    expect(controlPlaneOf(['local', 'openfaas'])).toBe('local');
    expect(controlPlaneOf(['aws-lambda'])).toBe('deployed');
    expect(controlPlaneOf(['aws-lambda', 'azure-functions', 'openfaas'])).toBe('deployed');
  });

  it('refuses local with a cloud platform, naming both', () => {
    expect(() => controlPlaneOf(['local', 'aws-lambda'])).toThrow(PlatformMixError);
    expect(() => controlPlaneOf(['azure-functions', 'local'])).toThrow(/local runs only on this machine's control plane and azure-functions only on the deployed one/);
  });
});

describe.concurrent('Options that go with some platforms only', () => {
  it('on the local control plane: the gateway with openfaas, the local settings with local, no client sizes', () => {
    expect(() => checkLocalRunOptions(['local', 'openfaas'], { local: { idleTimeoutMs: 1000 }, client: {} }, 'http://127.0.0.1:8080')).not.toThrow();
    expect(() => checkLocalRunOptions(['local'], NO_OPTIONS, 'http://127.0.0.1:8080')).toThrow('--gateway-url goes with --platform openfaas');
    expect(() => checkLocalRunOptions(['openfaas'], { local: { idleTimeoutMs: 1000 }, client: {} }, undefined)).toThrow('--platform-option applies only to the local platform');
    expect(() => checkLocalRunOptions(['local', 'openfaas'], { local: {}, client: { clientVmSize: 'Standard_D4_v3' } }, undefined)).toThrow('apply to the cloud platforms');
  });

  it('on the deployed control plane: the client sizes only', () => {
    expect(checkDeployedRunOptions({ local: {}, client: { clientVmSize: 'Standard_D4_v3' } }, undefined)).toEqual({ clientVmSize: 'Standard_D4_v3' });
    expect(() => checkDeployedRunOptions({ local: { maxInstances: 2 }, client: {} }, undefined)).toThrow(PlatformMixError);
    expect(() => checkDeployedRunOptions(NO_OPTIONS, 'http://gateway.example.org')).toThrow('--gateway-url');
  });
});

describe.concurrent('Function: compareHeadlines', () => {
  const result = (value: number | null, metric = 'idle_timeout', unit = 's') => ({ metric, value, unit, sentence: 'found' });

  it('puts the platforms’ values of one metric side by side, with the highest against the lowest', () => {
    expect(compareHeadlines([{ platform: 'local', result: result(600) }, { platform: 'openfaas', result: result(300) }])).toBe('idle_timeout by platform: local 600 s · openfaas 300 s (local 2× openfaas)');
    expect(compareHeadlines([{ platform: 'aws-lambda', result: result(1.23456, 'p50', 'ms') }, { platform: 'azure-functions', result: result(1.23456, 'p50', 'ms') }])).toBe(
      'p50 by platform: aws-lambda 1.23 ms · azure-functions 1.23 ms',
    );
  });

  it('says nothing when fewer than two platforms have a value of the same metric', () => {
    expect(compareHeadlines([{ platform: 'local', result: result(600) }])).toBeUndefined();
    expect(compareHeadlines([{ platform: 'local', result: result(600) }, { platform: 'openfaas', result: result(null) }])).toBeUndefined();
    expect(compareHeadlines([{ platform: 'local', result: result(600) }, { platform: 'openfaas', result: result(2, 'max_instances', 'instances') }])).toBeUndefined();
    expect(compareHeadlines([{ platform: 'local', result: null }, { platform: 'openfaas', result: null }])).toBeUndefined();
  });
});
