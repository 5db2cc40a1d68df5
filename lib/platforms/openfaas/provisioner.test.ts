/**
 * The OpenFaaS provisioner's deploy requests, against an in-process fake of the gateway's
 * `/system/functions` on loopback: each function is deployed from the image it is configured
 * with (a per-function map, as the deployed control plane passes its ECR assets), else from
 * `<prefix><function>:<tag>`, with the same environment and labels `stack.yml` carries.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAB_FUNCTION_NAMES } from '../../../lab-functions/names';
import type { BranchInput } from '../platform';
import { runPrefixOf } from '../run-resources';
import { LAB_FUNCTION_LABELS } from './lab-function-deployment';
import { OpenFaasProvisioner } from './provisioner';

const RUN_ID = '3f2a9c1e-0000-4000-8000-000000000001';
const BRANCH: BranchInput = { run: { runId: RUN_ID, platform: 'openfaas' }, experiment: 'cold-start', params: {}, quick: true, platformOptions: {} };

interface Deployment {
  service: string;
  image: string;
  envVars: Record<string, string>;
  labels: Record<string, string>;
}

describe.concurrent('OpenFaasProvisioner — deploy requests', () => {
  /** Deploy requests by service name; each test uses its own image names, so they never collide. */
  const received: Deployment[] = [];
  let server: Server;
  let gatewayUrl: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => {
        body += chunk.toString('utf8');
      });
      req.on('end', () => {
        if (req.method === 'POST' && req.url === '/system/functions') received.push(JSON.parse(body) as Deployment);
        res.writeHead(202).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    gatewayUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const deployedWith = (marker: string) => received.filter((deployment) => deployment.image.includes(marker));

  it('deploys each function from its image in the configured map', async () => {
    const images = Object.fromEntries(LAB_FUNCTION_NAMES.map((name) => [name, `123456789012.dkr.ecr.eu-west-1.amazonaws.com/cdk-assets:map-${name}`]));
    await new OpenFaasProvisioner({ gatewayUrl, images, imagePrefix: 'ignored/', imageTag: 'ignored' }).provision(BRANCH);
    const deployments = deployedWith(':map-');
    expect(deployments.map((d) => [d.service, d.image])).toEqual(LAB_FUNCTION_NAMES.map((name) => [`${runPrefixOf(RUN_ID)}${name}`, images[name]]));
  });

  it('builds the image name from prefix and tag where the map has none', async () => {
    await new OpenFaasProvisioner({ gatewayUrl, images: { monolith: 'registry.example.org/own-monolith:v7' }, imagePrefix: 'registry.example.org/faas-benchmarker-', imageTag: 'prefix-tag' }).provision(BRANCH);
    const deployments = [...deployedWith('prefix-tag'), ...deployedWith('own-monolith')];
    expect(Object.fromEntries(deployments.map((d) => [d.service.slice(runPrefixOf(RUN_ID).length), d.image]))).toEqual({
      function1: 'registry.example.org/faas-benchmarker-function1:prefix-tag',
      function2: 'registry.example.org/faas-benchmarker-function2:prefix-tag',
      function3: 'registry.example.org/faas-benchmarker-function3:prefix-tag',
      monolith: 'registry.example.org/own-monolith:v7',
    });
  });

  it('tells each function the prefix of its siblings and the gateway, and labels it for scale to zero, the run and its expiry', async () => {
    const now = () => Date.parse('2026-11-27T10:00:00.000Z');
    await new OpenFaasProvisioner({ gatewayUrl, imageTag: 'env-check', internalGatewayUrl: 'http://gateway.openfaas:8080', now }).provision(BRANCH);
    const deployments = deployedWith('env-check');
    expect(deployments.map((d) => d.image)).toEqual(LAB_FUNCTION_NAMES.map((name) => `faas-benchmarker/${name}:env-check`));
    for (const deployment of deployments) {
      expect(deployment.envVars).toEqual({ FB_FUNCTION_PREFIX: runPrefixOf(RUN_ID), FB_GATEWAY_URL: 'http://gateway.openfaas:8080' });
      // Expiry 54 h on, in epoch seconds: 2026-11-29T16:00:00Z.
      expect(deployment.labels).toEqual({ ...LAB_FUNCTION_LABELS, 'faas-benchmarker/run': RUN_ID, 'faas-benchmarker/expires': String(Date.parse('2026-11-29T16:00:00.000Z') / 1000) });
    }
  });
});
