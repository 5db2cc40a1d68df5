import { request } from 'undici';
import { LAB_FUNCTION_NAMES } from '../../../lab-functions/names';
import type { ProviderConfig } from '../../agent/provider-config';
import { ProvisionFailedError, ProvisionTransientError } from '../errors';
import type { BranchInput, FunctionProvisioner, ReadinessCheck, RemovalCheck } from '../platform';
import { LOOPBACK_HOSTS } from '../provider-fields';
import { runLabelsOf, runPrefixOf } from '../run-resources';
import { IN_CLUSTER_GATEWAY_URL, LAB_FUNCTION_LABELS, type LabFunctionImages, labFunctionEnv, labFunctionImage } from './lab-function-deployment';

/**
 * Options of {@link OpenFaasProvisioner}. The images (lab-function-deployment.ts): `images` names
 * each function's image (the deployed control plane's ECR assets); otherwise every image is
 * `<imagePrefix><function>:<imageTag>`, `faas-benchmarker/<function>:latest` by default.
 */
export interface OpenFaasProvisionerOptions extends LabFunctionImages {
  /** The gateway the control plane deploys through, e.g. `https://gateway.example.org`. */
  gatewayUrl: string;
  /** Basic auth for the gateway's /system API, if it needs it. */
  basicAuth?: { user: string; password: string };
  /** The gateway URL as the functions see it, for nested calls. @default the in-cluster `http://gateway.openfaas:8080`, or gatewayUrl on a loopback gateway */
  internalGatewayUrl?: string;
  /** The gateway URL as the client agent sees it. @default gatewayUrl */
  publicGatewayUrl?: string;
  /** Clock in epoch milliseconds (the functions' expiry label counts from it). @default Date.now */
  now?: () => number;
}

/**
 * ProvisionFunctions for OpenFaaS through the gateway's REST API: the four lab functions deployed
 * under per-run names (`fb-<run>-function1` …), so concurrent runs never share an instance, each
 * told its siblings' prefix for nested calls; ready once the gateway lists them all; removed at
 * teardown. Works against any OpenFaaS gateway, and against the local platform, which speaks the
 * same API.
 */
export class OpenFaasProvisioner implements FunctionProvisioner {
  private readonly headers: Record<string, string>;

  constructor(private readonly options: OpenFaasProvisionerOptions) {
    this.headers = { 'content-type': 'application/json' };
    if (options.basicAuth) this.headers.authorization = `Basic ${Buffer.from(`${options.basicAuth.user}:${options.basicAuth.password}`).toString('base64')}`;
  }

  async provision(input: BranchInput): Promise<Record<string, unknown>> {
    const prefix = runPrefixOf(input.run.runId);
    const labels = { ...runLabelsOf(input.run.runId, (this.options.now ?? Date.now)()), ...LAB_FUNCTION_LABELS };
    const internalGateway = this.options.internalGatewayUrl ?? (isLoopback(this.options.gatewayUrl) ? this.options.gatewayUrl : IN_CLUSTER_GATEWAY_URL);
    for (const name of LAB_FUNCTION_NAMES) {
      const deployment = {
        service: `${prefix}${name}`,
        image: labFunctionImage(name, this.options),
        envVars: labFunctionEnv(prefix, internalGateway),
        labels,
      };
      const answer = await this.call('POST', '/system/functions', deployment);
      if (answer.status === 409) continue; // already there: a retried ProvisionFunctions
      if (answer.status >= 500) throw new ProvisionTransientError(`gateway answered ${answer.status} deploying ${deployment.service}: ${answer.text.slice(0, 200)}`);
      if (answer.status >= 300) throw new ProvisionFailedError(`gateway refused ${deployment.service} (${answer.status}): ${answer.text.slice(0, 300)}`);
    }
    return { gatewayUrl: this.options.gatewayUrl, functionPrefix: prefix, ready: false };
  }

  async check(input: BranchInput): Promise<ReadinessCheck> {
    const prefix = runPrefixOf(input.run.runId);
    const answer = await this.call('GET', '/system/functions');
    if (answer.status >= 300) return { ready: false, gatewayUrl: this.options.gatewayUrl, functionPrefix: prefix };
    const listed = new Set((JSON.parse(answer.text) as { name?: string }[]).map((fn) => fn.name));
    const missing = LAB_FUNCTION_NAMES.filter((name) => !listed.has(`${prefix}${name}`));
    if (missing.length) return { ready: false, gatewayUrl: this.options.gatewayUrl, functionPrefix: prefix, missing };
    return { ready: true, gatewayUrl: this.options.gatewayUrl, functionPrefix: prefix };
  }

  /**
   * The agent calls `/function/<prefix><name>` on the gateway (the functions route needs no
   * basic auth; only `/system` does), at `publicGatewayUrl` when the client reaches the gateway
   * by another address than the control plane.
   */
  async agentTarget(input: BranchInput): Promise<ProviderConfig> {
    return {
      platform: 'openfaas',
      gatewayUrl: this.options.publicGatewayUrl ?? this.options.gatewayUrl,
      functionPrefix: runPrefixOf(input.run.runId),
      // Read by StartAgent into the plan only (never a state's output): the agent scales to zero with it (forceCold).
      ...(this.options.basicAuth ? { basicAuth: this.options.basicAuth } : {}),
    };
  }

  async teardown(input: BranchInput): Promise<void> {
    const prefix = runPrefixOf(input.run.runId);
    const failures: string[] = [];
    for (const name of LAB_FUNCTION_NAMES) {
      const answer = await this.call('DELETE', '/system/functions', { functionName: `${prefix}${name}` });
      if (answer.status >= 300 && answer.status !== 404) failures.push(`${prefix}${name}: ${answer.status}`);
    }
    if (failures.length) throw new ProvisionTransientError(`could not remove ${failures.join(', ')}`);
  }

  /** Gone when the gateway lists none of the run's functions any more. */
  async removal(input: BranchInput): Promise<RemovalCheck> {
    const prefix = runPrefixOf(input.run.runId);
    const answer = await this.call('GET', '/system/functions');
    if (answer.status >= 500) throw new ProvisionTransientError(`gateway answered ${answer.status} listing functions`);
    if (answer.status >= 300) return { gone: false, state: `list refused (${answer.status})` };
    const left = (JSON.parse(answer.text) as { name?: string }[]).map((fn) => fn.name ?? '').filter((name) => name.startsWith(prefix));
    return left.length ? { gone: false, state: `${left.length} functions listed`, reason: `still listed: ${left.join(', ')}` } : { gone: true, state: 'removed' };
  }

  private async call(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<{ status: number; text: string }> {
    try {
      const answer = await request(new URL(path, this.options.gatewayUrl), {
        method,
        headers: this.headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        headersTimeout: 30_000,
        bodyTimeout: 30_000,
      });
      return { status: answer.statusCode, text: await answer.body.text() };
    } catch (error) {
      throw new ProvisionTransientError(`gateway ${this.options.gatewayUrl} unreachable: ${(error as Error).message}`);
    }
  }
}

function isLoopback(url: string): boolean {
  return LOOPBACK_HOSTS.includes(new URL(url).hostname);
}
