/**
 * Fakes for code that deploys Azure Functions, beside the fake ARM (`test-support/fake-arm.ts`):
 *
 * - {@link createFakeAzureWeb}: ARM routes (`startFakeArm({ routes: [web.route] })`) for what
 *   `@azure/arm-storage` 20 and `@azure/arm-appservice` 19 call:
 *   `POST …/Microsoft.Storage/storageAccounts/{account}/listKeys` → `{ keys: [key1, key2] }`;
 *   `POST …/Microsoft.Web/sites/{app}/syncfunctiontriggers` → 204;
 *   `POST …/Microsoft.Web/sites/{app}/functions/{fn}/listkeys` → `{ default: <key> }` (the shape
 *   ARM really answers, keys at the top level), or 404 until the app's triggers were synced
 *   `syncsBeforeIndexed` times (a function the runtime has not indexed yet);
 *   `POST …/Microsoft.Web/sites/{app}/restart` → 200, recorded with its query (softRestart, synchronous).
 *   Keys are made on first use and stay the same; an app listed in `missingApps` answers 404.
 * - {@link startFakeBlobService}: a Blob service on https://127.0.0.1 (own self-signed certificate)
 *   that takes `Put Blob` uploads (path style: `/<account>/<container>/<blob>`) and records each
 *   with its bytes and headers. It checks that a request is signed with SharedKey for the account
 *   in its path, not the signature itself. `fakeBlobServiceFor` makes the `blobServiceFor` option of
 *   `AzureFunctionsProvisioner` point at it (endpoint, CA, no retries).
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { BlobServiceClient, StorageSharedKeyCredential, type StoragePipelineOptions } from '@azure/storage-blob';
import { type FakeArmRoute, type FakeArmRouteContext, selfSignedCert } from './fake-arm';

export interface FakeAzureWebOptions {
  /** Trigger syncs of an app before its functions' keys can be listed. @default 1 */
  syncsBeforeIndexed?: number;
  /** Where listkeys puts the keys: at the top level as ARM does (`flat`), or under `properties`. @default 'flat' */
  functionKeysShape?: 'flat' | 'properties';
  /** Apps that do not exist (every call on them answers 404). */
  missingApps?: string[];
}

export interface FakeAzureWeb {
  route: FakeArmRoute;
  /** Storage account → its key1, made on first listKeys. */
  storageKeys: Map<string, string>;
  /** `<app>/<function>` → its default function key, made on first listkeys. */
  functionKeys: Map<string, string>;
  /** App of every trigger sync, in order. */
  syncs: string[];
  /** Every restart: the app and its query parameters. */
  restarts: { app: string; query: Record<string, string> }[];
  options: FakeAzureWebOptions;
}

const STORAGE_KEYS = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Storage\/storageAccounts\/([^/]+)\/listKeys$/i;
const SYNC = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Web\/sites\/([^/]+)\/syncfunctiontriggers$/i;
const RESTART = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Web\/sites\/([^/]+)\/restart$/i;
const FUNCTION_KEYS = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Web\/sites\/([^/]+)\/functions\/([^/]+)\/listkeys$/i;

export function createFakeAzureWeb(options: FakeAzureWebOptions = {}): FakeAzureWeb {
  const storageKeys = new Map<string, string>();
  const functionKeys = new Map<string, string>();
  const syncs: string[] = [];
  const restarts: { app: string; query: Record<string, string> }[] = [];

  const answer = ({ method, url, send, armError }: FakeArmRouteContext, match: { storage?: string; app?: string; fn?: string; restart?: boolean }) => {
    if (method !== 'POST') return armError(405, 'MethodNotAllowed', `fake ARM: ${method} ${url.pathname} is not faked`);
    if (!url.searchParams.get('api-version')) return armError(400, 'MissingApiVersionParameter', 'api-version is required');
    if (match.storage !== undefined) {
      const key = storageKeys.get(match.storage) ?? randomBytes(64).toString('base64');
      storageKeys.set(match.storage, key);
      return send(200, {
        keys: [
          { keyName: 'key1', value: key, permissions: 'FULL', creationTime: new Date().toISOString() },
          { keyName: 'key2', value: randomBytes(64).toString('base64'), permissions: 'FULL', creationTime: new Date().toISOString() },
        ],
      });
    }
    const app = match.app ?? '';
    if (options.missingApps?.includes(app)) return armError(404, 'ResourceNotFound', `The Resource 'Microsoft.Web/sites/${app}' was not found.`);
    if (match.restart) {
      restarts.push({ app, query: Object.fromEntries(url.searchParams) });
      return send(200);
    }
    if (match.fn === undefined) {
      syncs.push(app);
      return send(204);
    }
    if (syncs.filter((synced) => synced === app).length < (options.syncsBeforeIndexed ?? 1)) {
      return armError(404, 'NotFound', `Error retrieving function keys: function '${match.fn}' not found`);
    }
    const name = `${app}/${match.fn}`;
    const key = functionKeys.get(name) ?? randomBytes(30).toString('base64url');
    functionKeys.set(name, key);
    send(200, options.functionKeysShape === 'properties' ? { name: match.fn, properties: { default: key } } : { default: key });
  };

  const route: FakeArmRoute = (context) => {
    const { pathname } = context.url;
    const storage = STORAGE_KEYS.exec(pathname);
    const sync = SYNC.exec(pathname);
    const keys = FUNCTION_KEYS.exec(pathname);
    const restart = RESTART.exec(pathname);
    if (storage) answer(context, { storage: decodeURIComponent(storage[1] ?? '') });
    else if (restart) answer(context, { app: decodeURIComponent(restart[1] ?? ''), restart: true });
    else if (sync) answer(context, { app: decodeURIComponent(sync[1] ?? '') });
    else if (keys) answer(context, { app: decodeURIComponent(keys[1] ?? ''), fn: decodeURIComponent(keys[2] ?? '') });
    else return false;
    return true;
  };

  return { route, storageKeys, functionKeys, syncs, restarts, options };
}

/** A blob the fake Blob service took. */
export interface FakeBlobUpload {
  account: string;
  container: string;
  blob: string;
  bytes: Buffer;
  headers: Record<string, string | string[] | undefined>;
}

export interface FakeBlobService {
  /** `https://127.0.0.1:<port>`; an account's endpoint is `<url>/<account>/`. */
  url: string;
  /** PEM of the self-signed certificate. */
  ca: string;
  uploads: FakeBlobUpload[];
  /** The next `times` requests answer `status` (a Storage error). */
  failNext(status: number, times?: number): void;
  /** `<url>/<account>/` */
  endpointOf(account: string): string;
  close(): Promise<void>;
}

export async function startFakeBlobService(): Promise<FakeBlobService> {
  const { key, cert } = selfSignedCert();
  const uploads: FakeBlobUpload[] = [];
  const failures: { status: number; times: number }[] = [];

  const storageError = (res: ServerResponse, status: number, code: string, message: string) => {
    res.writeHead(status, { 'content-type': 'application/xml', 'x-ms-error-code': code, 'x-ms-request-id': randomUUID() });
    res.end(`<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`);
  };

  const handle = (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    const failure = failures[0];
    if (failure) {
      failure.times -= 1;
      if (failure.times <= 0) failures.shift();
      return storageError(res, failure.status, failure.status === 503 ? 'ServerBusy' : 'InternalError', `fake Blob service: injected ${failure.status}`);
    }
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const [account = '', container = '', ...blobParts] = url.pathname.split('/').slice(1).map(decodeURIComponent);
    const authorization = String(req.headers.authorization ?? '');
    if (!authorization.startsWith(`SharedKey ${account}:`)) return storageError(res, 403, 'AuthenticationFailed', 'fake Blob service: not signed with SharedKey for this account');
    if (req.method !== 'PUT' || !container || !blobParts.length || req.headers['x-ms-blob-type'] !== 'BlockBlob') {
      return storageError(res, 400, 'UnsupportedHttpVerb', `fake Blob service: only Put Blob of a block blob is faked, got ${req.method} ${url.pathname}`);
    }
    uploads.push({ account, container, blob: blobParts.join('/'), bytes: body, headers: { ...req.headers } });
    res.writeHead(201, {
      etag: `"0x${randomBytes(8).toString('hex').toUpperCase()}"`,
      'last-modified': new Date().toUTCString(),
      'content-md5': createHash('md5').update(body).digest('base64'),
      'x-ms-request-id': randomUUID(),
      'x-ms-version': String(req.headers['x-ms-version'] ?? '2025-11-05'),
      'x-ms-request-server-encrypted': 'true',
      date: new Date().toUTCString(),
    });
    res.end();
  };

  const server: Server = createServer({ key, cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      try {
        handle(req, res, Buffer.concat(chunks));
      } catch (error) {
        storageError(res, 500, 'InternalError', String(error));
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    ca: cert,
    uploads,
    failNext(status, times = 1) {
      failures.push({ status, times });
    },
    endpointOf: (account) => `${url}/${account}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A `blobServiceFor` for the fake: the provisioner's account and key on the fake's endpoint, trusting
 * its certificate, without retries (tests see the first answer).
 */
export function fakeBlobServiceFor(fake: Pick<FakeBlobService, 'ca'>) {
  return (account: { accountName: string; accountKey: string; blobEndpoint: string }): BlobServiceClient =>
    new BlobServiceClient(account.blobEndpoint, new StorageSharedKeyCredential(account.accountName, account.accountKey), {
      retryOptions: { maxTries: 1 },
      // Not in StoragePipelineOptions' type, but handed on to the core pipeline (its tlsPolicy).
      tlsOptions: { ca: fake.ca },
    } as StoragePipelineOptions);
}

