/**
 * The local control plane's callback endpoint: a loopback HTTP server answering `POST /callback`
 * with {@link handleCallback}, completing tasks on the local `TokenBroker` through the
 * {@link BrokerTaskCompleter}. Its `url` is what the local control plane gives a spawned agent as
 * its callback URL (with the run's secret), so a local agent reports exactly as a cloud agent
 * reports to API Gateway: same body, same secret, same answers (see handle-callback.ts).
 *
 * It listens on 127.0.0.1 only, on a free port unless one is given. Bodies over `maxBodyBytes`
 * are refused with 413; other paths answer 404, other methods on /callback 405.
 */
import type { KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CallbackBodyTooLargeError } from './errors';
import { type CallbackLogger, type CallbackHttpResponse, handleCallback } from './handle-callback';
import { CallbackThrottle, DEFAULT_CALLBACK_THROTTLE } from './throttle';
import type { CallbackRegistry } from './registry';
import { BrokerTaskCompleter, type LocalTaskTokenBroker } from './task-completer';

export const CALLBACK_PATH = '/callback';

export interface LocalCallbackServerOptions {
  registry: CallbackRegistry;
  /** The key the issuer tags secrets with (./signing-key.ts `localCallbackSigningKey`). */
  signingKey: KeyObject;
  /** The local control plane's `TokenBroker`. */
  broker: LocalTaskTokenBroker;
  /** @default {@link stderrCallbackLogger}: refusals and failures as JSON lines on stderr */
  logger?: CallbackLogger;
  /** @default () => new Date() */
  now?: () => Date;
  /** @default 0 (a free port) */
  port?: number;
  /** Largest accepted body. @default 1 MiB (room for a 256 KiB output however it is escaped) */
  maxBodyBytes?: number;
}

export interface LocalCallbackServer {
  /** `http://127.0.0.1:<port>/callback` */
  url: string;
  /** Stop listening and drop open connections. */
  close(): Promise<void>;
}

const defaults = { port: 0, maxBodyBytes: 1024 * 1024 } as const;

/** Refusals (warn) and failures (error) as one JSON line each on stderr; accepted callbacks are not logged. */
export const stderrCallbackLogger: CallbackLogger = {
  info: () => undefined,
  warn: (message, attributes) => process.stderr.write(`${JSON.stringify({ level: 'WARN', message, ...attributes })}\n`),
  error: (message, attributes) => process.stderr.write(`${JSON.stringify({ level: 'ERROR', message, ...attributes })}\n`),
};

export async function startLocalCallbackServer(options: LocalCallbackServerOptions): Promise<LocalCallbackServer> {
  const settings = { ...defaults, ...options };
  const handling = {
    registry: options.registry,
    signingKey: options.signingKey,
    completer: new BrokerTaskCompleter(options.broker),
    logger: options.logger ?? stderrCallbackLogger,
    now: options.now ?? (() => new Date()),
    throttle: new CallbackThrottle(DEFAULT_CALLBACK_THROTTLE),
  };
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== CALLBACK_PATH) return answer(res, { statusCode: 404, body: { error: { type: 'NotFound', message: `no route ${path}` } } });
    if (req.method !== 'POST') return answer(res, { statusCode: 405, body: { error: { type: 'MethodNotAllowed', message: 'use POST' } } }, { allow: 'POST' });
    readBody(req, settings.maxBodyBytes)
      .then(async (body) => answer(res, await handleCallback({ body, authorization: req.headers.authorization }, handling)))
      .catch((error: unknown) => {
        if (error instanceof CallbackBodyTooLargeError) {
          handling.logger.warn('callback refused', { status: 413, errorType: error.name, message: error.message });
          answer(res, { statusCode: 413, body: { error: { type: error.name, message: error.message } } }, { connection: 'close' });
        } else {
          res.destroy(); // the client went away mid-body
        }
      });
  });
  server.listen(settings.port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${CALLBACK_PATH}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The body text; rejects with {@link CallbackBodyTooLargeError} as soon as it exceeds `maxBytes` (the rest is drained). */
function readBody(req: IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = Number(req.headers['content-length'] ?? 0) > maxBytes;
    if (tooLarge) reject(new CallbackBodyTooLargeError(maxBytes));
    req.on('data', (chunk: Buffer) => {
      if (tooLarge) return;
      size += chunk.length;
      if (size <= maxBytes) {
        chunks.push(chunk);
        return;
      }
      tooLarge = true;
      chunks.length = 0;
      reject(new CallbackBodyTooLargeError(maxBytes));
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function answer(res: ServerResponse, response: CallbackHttpResponse, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(response.body);
  res.writeHead(response.statusCode, { ...headers, ...response.headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
