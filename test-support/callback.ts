/**
 * Shared fakes of the callback tests (lib/callback, lambdas/callback): a registered run with its
 * secret and token, a logger that keeps what it is told, stdout capture for the powertools logger,
 * and an HTTP API (payload 2.0) event with its Lambda context.
 */
import type { KeyObject } from 'node:crypto';
import { vi } from 'vitest';
import type { CallbackLogger } from '../lib/callback/handle-callback';
import { type CallbackRegistry, InMemoryCallbackRegistry, registerCallback } from '../lib/callback/registry';
import { localCallbackSigningKey } from '../lib/callback/signing-key';

/** The clock of the callback tests: callbacks are registered at this instant. */
export const T0 = new Date('2026-11-27T10:00:00.000Z');

export interface RegisteredRun {
  registry: CallbackRegistry;
  /** The key the run's secret is tagged with; the endpoint under test must be given it. */
  signingKey: KeyObject;
  runId: string;
  secret: string;
  taskToken: string;
  expiresAt: Date;
}

/** A registry with one run registered at {@link T0}, expiring `ttlMs` later. */
export async function registeredRun(options: { runId?: string; taskToken?: string; ttlMs?: number; registry?: CallbackRegistry } = {}): Promise<RegisteredRun> {
  const registry = options.registry ?? new InMemoryCallbackRegistry();
  const runId = options.runId ?? 'run-3f2a';
  // A task token shaped like Step Functions' (long, opaque); unique enough to search logs for.
  const taskToken = options.taskToken ?? `AQCEAAAAKgAAAAMAAAAAAAAAA${'x'.repeat(40)}TOKEN${Math.random().toString(36).slice(2)}`;
  const expiresAt = new Date(T0.getTime() + (options.ttlMs ?? 90_000_000));
  const signingKey = localCallbackSigningKey();
  const { secret } = await registerCallback(registry, signingKey, { runId, taskToken, expiresAt });
  return { registry, signingKey, runId, secret, taskToken, expiresAt };
}

/** A {@link CallbackLogger} that keeps every line, and the lines as one text to search. */
export function recordingLogger(): { logger: CallbackLogger; lines: { level: string; message: string; attributes: Record<string, unknown> }[]; text(): string } {
  const lines: { level: string; message: string; attributes: Record<string, unknown> }[] = [];
  const at = (level: string) => (message: string, attributes: Record<string, unknown>) => {
    lines.push({ level, message, attributes });
  };
  return { logger: { info: at('info'), warn: at('warn'), error: at('error') }, lines, text: () => JSON.stringify(lines) };
}

/** Capture what is written to stdout and stderr (where the powertools logger writes) until `restore`. */
export function captureOutput(): { text(): string; restore(): void } {
  const chunks: string[] = [];
  const keep = (chunk: unknown) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    return true;
  };
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(keep);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(keep);
  return {
    text: () => chunks.join(''),
    restore: () => {
      out.mockRestore();
      err.mockRestore();
    },
  };
}

/** An HTTP API (payload format 2.0) `POST /callback` event. */
export function callbackEvent(body: string | undefined, options: { authorization?: string; base64?: boolean } = {}): Record<string, unknown> {
  const encoded = body !== undefined && options.base64 ? Buffer.from(body, 'utf8').toString('base64') : body;
  return {
    version: '2.0',
    routeKey: 'POST /callback',
    rawPath: '/callback',
    rawQueryString: '',
    headers: {
      'content-type': 'application/json',
      host: 'cb4ll8ack.execute-api.eu-west-1.amazonaws.com',
      'user-agent': 'faas-benchmarker-agent/0.1.0',
      ...(options.authorization === undefined ? {} : { authorization: options.authorization }),
    },
    requestContext: {
      accountId: '123456789012',
      apiId: 'cb4ll8ack',
      domainName: 'cb4ll8ack.execute-api.eu-west-1.amazonaws.com',
      http: { method: 'POST', path: '/callback', protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'faas-benchmarker-agent/0.1.0' },
      requestId: 'CbWq2jNMoAMEVvQ=',
      routeKey: 'POST /callback',
      stage: '$default',
      time: '27/Nov/2026:10:15:30 +0000',
      timeEpoch: 1795774530000,
    },
    ...(encoded === undefined ? {} : { body: encoded }),
    isBase64Encoded: options.base64 ?? false,
  };
}

/** A Lambda context for the callback function. */
export function callbackLambdaContext(): Record<string, unknown> & { awsRequestId: string; getRemainingTimeInMillis(): number } {
  const functionName = 'fb-control-callback';
  return {
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e8cb11bac0',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2026/11/27/[$LATEST]0123456789abcdef0123456789abcdef',
    getRemainingTimeInMillis: () => 10_000,
    callbackWaitsForEmptyEventLoop: true,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
