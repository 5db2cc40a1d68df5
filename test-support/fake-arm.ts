/**
 * A fake Azure Resource Manager for tests of code built on `@azure/arm-compute` (24.x, the modular
 * generation): an https server on 127.0.0.1 with a self-signed certificate made at start-up with
 * openssl (the SDK refuses bearer tokens over plain http), answering the routes that
 * `virtualMachines.instanceView` and `virtualMachines.runCommand` use.
 *
 * Run Command is served as ARM serves it, a long-running operation: the POST answers 202 with
 * `Azure-AsyncOperation` and `Location` headers; the operation URL answers `InProgress` for
 * `inProgressPolls` polls, then `Succeeded` (or `Failed`); the Location URL answers the final
 * `{ value: [{ code, message }] }`, whose message comes from `runCommandOutput`.
 *
 * Every request is recorded (method, path, query, JSON body), and `failNext` makes the next
 * matching request(s) answer an ARM error (429, 500, 404, …) instead.
 *
 * Use with a stub credential and `createFakeArmClient` (or `{ endpoint: fake.url, tlsOptions: { ca: fake.ca } }`).
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TokenCredential } from '@azure/core-auth';
import { ComputeManagementClient } from '@azure/arm-compute';

export const FAKE_SUBSCRIPTION = '00000000-0000-4000-8000-000000000000';

/** A request the fake received. */
export interface FakeArmRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  authorization: string | undefined;
}

/** A Run Command the fake accepted: where, and its input (`{ commandId, script, … }`). */
export interface FakeRunCommand {
  resourceGroup: string;
  vmName: string;
  input: { commandId?: string; script?: string[]; parameters?: unknown };
}

export interface FakeArmFailure {
  /** Answer with this status (429, 500, 404, 409, …). */
  status: number;
  /** Only requests with this method. */
  method?: string;
  /** Only requests whose path contains this (e.g. `/runCommand`, `/instanceView`). */
  pathIncludes?: string;
  /** How many matching requests fail. @default 1 */
  times?: number;
  /** ARM error code of the body. */
  code?: string;
}

/** What a route module gets for one request (see `FakeArmOptions.routes`). */
export interface FakeArmRouteContext {
  method: string;
  url: URL;
  body: unknown;
  /** `https://127.0.0.1:<port>`, for operation URLs. */
  base: string;
  res: ServerResponse;
  send(status: number, body?: unknown, headers?: Record<string, string>): void;
  armError(status: number, code: string, message: string): void;
}

/** Answers a request it knows (and returns true), else returns false for the next route. */
export type FakeArmRoute = (context: FakeArmRouteContext) => boolean;

export interface FakeArmOptions {
  /** More routes (resource groups, deployments, …), tried in order before the VM routes. */
  routes?: FakeArmRoute[];
  /** Power state of each VM (`'running'`, `'deallocated'`, `'stopped'`, …), by `<resourceGroup>/<vmName>`. Unknown VMs answer 404. */
  vms?: Record<string, string>;
  /** Message of the Run Command result (`runShellScriptOutput` formats one). @default a successful run with empty stdout */
  runCommandOutput?: ((command: FakeRunCommand) => string | Promise<string>) | undefined;
  /** Final status of every Run Command operation. @default 'Succeeded' */
  runCommandStatus?: 'Succeeded' | 'Failed' | undefined;
  /** Polls of the operation URL that answer `InProgress` before the final status. @default 1 */
  inProgressPolls?: number;
}

export interface FakeArm {
  /** `https://127.0.0.1:<port>` */
  url: string;
  /** PEM of the self-signed certificate, for `tlsOptions.ca`. */
  ca: string;
  requests: FakeArmRequest[];
  runCommands: FakeRunCommand[];
  /** Sets (or, with `undefined`, removes) a VM's power state. */
  setVm(resourceGroup: string, vmName: string, powerState: string | undefined): void;
  failNext(failure: FakeArmFailure): void;
  options: FakeArmOptions;
  close(): Promise<void>;
}

const VM_PATH = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Compute\/virtualMachines\/([^/]+)(?:\/([A-Za-z]+))?$/i;

/** Makes a throwaway self-signed certificate for 127.0.0.1 with openssl. */
export function selfSignedCert(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'fake-arm-'));
  try {
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-days', '1'],
      { stdio: 'pipe' },
    );
    return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function startFakeArm(options: FakeArmOptions = {}): Promise<FakeArm> {
  const { key, cert } = selfSignedCert();
  const vms = new Map(Object.entries(options.vms ?? {}));
  const failures: FakeArmFailure[] = [];
  const requests: FakeArmRequest[] = [];
  const runCommands: FakeRunCommand[] = [];
  const operations = new Map<string, { command: FakeRunCommand; polls: number }>();
  let base = '';

  const send = (res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}) => {
    const text = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'x-ms-request-id': randomUUID(), ...headers });
    res.end(text);
  };
  const armError = (res: ServerResponse, status: number, code: string, message: string) => send(res, status, { error: { code, message } });

  const handle = (req: IncomingMessage, res: ServerResponse, raw: string) => {
    const url = new URL(req.url ?? '/', base);
    const method = req.method ?? 'GET';
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = raw;
    }
    requests.push({ method, path: url.pathname, query: Object.fromEntries(url.searchParams), body, authorization: req.headers.authorization });

    const failure = failures.find((f) => (!f.method || f.method === method) && (!f.pathIncludes || url.pathname.includes(f.pathIncludes)));
    if (failure) {
      failure.times = (failure.times ?? 1) - 1;
      if (failure.times <= 0) failures.splice(failures.indexOf(failure), 1);
      const code = failure.code ?? (failure.status === 429 ? 'TooManyRequests' : failure.status === 404 ? 'ResourceNotFound' : failure.status >= 500 ? 'InternalServerError' : 'BadRequest');
      armError(res, failure.status, code, `fake ARM: injected ${failure.status}`);
      return;
    }

    const operation = /^\/fake-operations\/([^/]+)$/.exec(url.pathname);
    if (operation && method === 'GET') {
      const op = operations.get(operation[1] ?? '');
      if (!op) return armError(res, 404, 'NotFound', 'no such operation');
      op.polls += 1;
      if (op.polls <= (options.inProgressPolls ?? 1)) return send(res, 200, { status: 'InProgress' });
      const status = options.runCommandStatus ?? 'Succeeded';
      return send(res, 200, status === 'Succeeded' ? { status } : { status, error: { code: 'VMAgentStatusCommunicationError', message: 'fake ARM: the Run Command failed' } });
    }
    const result = /^\/fake-results\/([^/]+)$/.exec(url.pathname);
    if (result && method === 'GET') {
      const op = operations.get(result[1] ?? '');
      if (!op) return armError(res, 404, 'NotFound', 'no such operation');
      // The output may come from really running the script (asynchronously, so it can reach servers in this process).
      Promise.resolve(options.runCommandOutput?.(op.command))
        .then((message = 'Enable succeeded: \n[stdout]\n\n[stderr]\n') =>
          send(res, 200, { value: [{ code: 'ProvisioningState/succeeded', level: 'Info', displayStatus: 'Provisioning succeeded', message }] }),
        )
        .catch((error: unknown) => armError(res, 500, 'FakeArmError', String(error)));
      return;
    }

    const context: FakeArmRouteContext = {
      method,
      url,
      body,
      base,
      res,
      send: (status, answer, headers) => send(res, status, answer, headers),
      armError: (status, code, message) => armError(res, status, code, message),
    };
    for (const route of options.routes ?? []) if (route(context)) return;

    const match = VM_PATH.exec(url.pathname);
    if (!match) return armError(res, 404, 'InvalidResourceType', `fake ARM: no route for ${method} ${url.pathname}`);
    if (!url.searchParams.get('api-version')) return armError(res, 400, 'MissingApiVersionParameter', 'api-version is required');
    const [, , resourceGroup = '', vmName = '', action] = match;
    const powerState = vms.get(`${resourceGroup}/${vmName}`);
    if (powerState === undefined) return armError(res, 404, 'ResourceNotFound', `The Resource 'Microsoft.Compute/virtualMachines/${vmName}' under resource group '${resourceGroup}' was not found.`);

    if (action === 'instanceView' && method === 'GET') {
      return send(res, 200, {
        computerName: vmName,
        osName: 'ubuntu',
        vmAgent: { vmAgentVersion: '2.10.0', statuses: [{ code: 'ProvisioningState/succeeded', level: 'Info', displayStatus: 'Ready' }] },
        statuses: [
          { code: 'ProvisioningState/succeeded', level: 'Info', displayStatus: 'Provisioning succeeded' },
          { code: `PowerState/${powerState}`, level: 'Info', displayStatus: `VM ${powerState}` },
        ],
      });
    }
    if (action === 'runCommand' && method === 'POST') {
      if (powerState !== 'running') return armError(res, 409, 'OperationNotAllowed', `fake ARM: cannot run a command on a ${powerState} VM`);
      const command: FakeRunCommand = { resourceGroup, vmName, input: (body ?? {}) as FakeRunCommand['input'] };
      runCommands.push(command);
      const id = randomUUID();
      operations.set(id, { command, polls: 0 });
      return send(res, 202, undefined, {
        'azure-asyncoperation': `${base}/fake-operations/${id}?api-version=2026-03-01`,
        location: `${base}/fake-results/${id}?api-version=2026-03-01`,
        'retry-after': '0',
      });
    }
    return armError(res, 405, 'MethodNotAllowed', `fake ARM: ${method} ${url.pathname} is not faked`);
  };

  const server: Server = createServer({ key, cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      try {
        handle(req, res, Buffer.concat(chunks).toString('utf8'));
      } catch (error) {
        armError(res, 500, 'FakeArmError', String(error));
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: base,
    ca: cert,
    requests,
    runCommands,
    options,
    setVm(resourceGroup, vmName, powerState) {
      if (powerState === undefined) vms.delete(`${resourceGroup}/${vmName}`);
      else vms.set(`${resourceGroup}/${vmName}`, powerState);
    },
    failNext(failure) {
      failures.push({ ...failure });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A credential that hands out a fixed token. */
export const fakeCredential: TokenCredential = {
  getToken: async () => ({ token: 'fake-arm-token', expiresOnTimestamp: Date.now() + 3600e3 }),
};

/** A ComputeManagementClient talking to the fake, with the SDK's own retries off (tests see the first answer). */
export function createFakeArmClient(fake: Pick<FakeArm, 'url' | 'ca'>): ComputeManagementClient {
  return new ComputeManagementClient(fakeCredential, FAKE_SUBSCRIPTION, { endpoint: fake.url, tlsOptions: { ca: fake.ca }, retryOptions: { maxRetries: 0 } });
}

/** The message Azure's RunShellScript reports for a script's output (it reports success whatever the exit status). */
export function runShellScriptOutput(stdout: string, stderr: string): string {
  return `Enable succeeded: \n[stdout]\n${stdout}\n[stderr]\n${stderr}`;
}
