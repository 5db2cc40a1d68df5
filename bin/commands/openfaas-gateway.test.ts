/**
 * `fb run --platform openfaas`'s gateway options from flags and environment: the gateway URL,
 * basic auth, and the image prefix and tag of a user's own registry.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { labFunctionImage } from '../../lib/platforms/openfaas/lab-function-deployment';
import { GatewayNotGivenError, openFaasGateway } from './openfaas-gateway';

describe.concurrent('openFaasGateway', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'fb-gateway-'));
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));

  it('takes the image prefix and tag from FB_OPENFAAS_IMAGE_PREFIX and FB_OPENFAAS_IMAGE_TAG', () => {
    const options = openFaasGateway('https://gateway.example.org', { FB_OPENFAAS_IMAGE_PREFIX: 'registry.example.org/team/faas-benchmarker-', FB_OPENFAAS_IMAGE_TAG: 'v3' }, cwd);
    expect(options).toEqual({ gatewayUrl: 'https://gateway.example.org', imagePrefix: 'registry.example.org/team/faas-benchmarker-', imageTag: 'v3' });
    expect(labFunctionImage('function2', options)).toBe('registry.example.org/team/faas-benchmarker-function2:v3');
  });

  it('leaves the images at the default without them, and prefers the flag to FB_GATEWAY_URL', () => {
    const options = openFaasGateway(undefined, { FB_GATEWAY_URL: 'https://env.example.org', FB_GATEWAY_USER: 'admin', FB_GATEWAY_PASSWORD: 'example' }, cwd);
    expect(options).toEqual({ gatewayUrl: 'https://env.example.org', basicAuth: { user: 'admin', password: 'example' } });
    expect(labFunctionImage('monolith', options)).toBe('faas-benchmarker/monolith:latest');
    expect(openFaasGateway('https://flag.example.org', { FB_GATEWAY_URL: 'https://env.example.org' }, cwd).gatewayUrl).toBe('https://flag.example.org');
    expect(() => openFaasGateway(undefined, {}, cwd)).toThrow(GatewayNotGivenError);
  });
});
