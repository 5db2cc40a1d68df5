/**
 * The agent's callback, handled without any HTTP or Lambda specifics: one request in (the raw body
 * text and the `Authorization` header), one `{statusCode, body}` out. The local callback server
 * and the callback Lambda are thin shells around {@link handleCallback}.
 *
 * Contract (`POST /callback`, JSON body):
 * - `{ runId, kind: 'success', output }` — the run's result; `output` (any JSON) becomes the
 *   RunAgent task's output (`$.agent`), at most 256 KiB of JSON.
 * - `{ runId, kind: 'failure', error, cause? }` — the agent's verdict that the run failed;
 *   `error` (the error name the state machine sees) is cut to 256 characters, `cause` to 32,768.
 * - `{ runId, kind: 'heartbeat' }` — still working; any number of times.
 * - `{ runId, kind: 'upload-url' }` — a fresh URL to upload the results file to (AWS: a presigned
 *   S3 PUT, made now, so a run that outlives the URL in its plan can still upload); any number of
 *   times while the run waits; answered `{ok, runId, kind, uploadUrl}`, or 400 where this endpoint
 *   hands out no upload URLs (locally the agent writes its file in place).
 * - `{ runId, kind: 'force-cold', function }` — make the next call of the run's lab function cold
 *   (lib/platforms/<platform>/cold-forcer.ts: AWS Lambda's configuration update, an Azure app restart),
 *   for platforms where the agent cannot do it itself; any number of times while the run waits;
 *   400 where this endpoint cannot force cold starts, 502 `ColdStartNotForcedError` when the
 *   platform refused.
 * The secret goes in `Authorization: Bearer <secret>` (preferred: bodies end up in more places
 * than headers) or as `secret` in the body; if both are given they must be the same. Unknown keys
 * are refused.
 *
 * Answers: 200 `{ok: true, runId, kind}`; otherwise `{error: {type, message}}` with the status of
 * the error class in ./errors: 400 invalid request, 401 wrong secret, 404 unknown run, 409 the
 * outcome was already reported (success/failure are single-use), 410 expired or the task is no
 * longer waiting, 413 output too large, 502 Step Functions unreachable (retry), 503 registry
 * unavailable (retry), 500 anything else.
 *
 * Cheap checks come first and touch no database: the body's form, then the secret's form and its
 * HMAC tag for the run id (./secrets.ts `callbackSecretIsAuthentic`, constant time, with the
 * deployment's signing key), then the throttle. A forged secret, or a genuine one presented for
 * another run, is refused with 401 there, without a registry query and without using up the
 * throttle's shared budget. Only then is the registry asked, in the order run, stored hash, used,
 * expiry, so only the secret's holder learns whether the run already reported or expired. (Run
 * ids are not secret; "unknown run" is answered only to a secret the control plane made for that
 * run id, e.g. after the run ended.)
 *
 * Single use: success/failure first claim the run atomically (`registry.markUsed`), then call the
 * task completer; a replay finds the claim and is refused without calling it. If the call fails
 * without Step Functions saying the task is gone, the claim is released so the agent may retry.
 *
 * Logging: one line per request (info when accepted, warn for a 4xx refusal, error for 5xx) with
 * run id, kind, status and error type. Neither the secret nor the task token is ever logged: they
 * are not put in log attributes, and every logged string is scrubbed of both in case a foreign
 * error message echoes one.
 */
import type { KeyObject } from 'node:crypto';
import { z } from 'zod';
import { describe } from '../errors/describe';
import { redact } from '../errors/redact';
import {
  CallbackAlreadyCompletedError,
  CallbackError,
  CallbackExpiredError,
  CallbackRegistryUnavailableError,
  CallbackRequestInvalidError,
  CallbackRunUnknownError,
  CallbackSecretMismatchError,
  CallbackThrottledError,
  ColdStartNotForcedError,
  TaskCompleterUnavailableError,
} from './errors';
import type { CallbackEntry, CallbackRegistry } from './registry';
import { callbackSecretIsAuthentic, callbackSecretMatches } from './secrets';
import type { CallbackThrottle } from './throttle';
import { serializeTaskOutput, type TaskCompleter, toTaskCompleterError } from './task-completer';

const runId = z.string().min(1).max(200);
const secret = z.string().min(1).max(512);

/** The JSON body of a callback request. */
export const callbackBodySchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('success'), runId, secret: secret.optional(), output: z.json() }),
  z.strictObject({ kind: z.literal('failure'), runId, secret: secret.optional(), error: z.string().min(1), cause: z.string().optional() }),
  z.strictObject({ kind: z.literal('heartbeat'), runId, secret: secret.optional() }),
  z.strictObject({ kind: z.literal('upload-url'), runId, secret: secret.optional() }),
  z.strictObject({ kind: z.literal('force-cold'), runId, secret: secret.optional(), function: z.string().min(1).max(64) }),
]);
export type CallbackBody = z.infer<typeof callbackBodySchema>;
export type CallbackKind = CallbackBody['kind'];

/** A validated callback: the body with the secret resolved from the body or the header. */
export type CallbackCall = WithSecret<CallbackBody>;
type WithSecret<Body> = Body extends unknown ? Omit<Body, 'secret'> & { secret: string } : never;

/** What an HTTP shell passes in. */
export interface CallbackHttpRequest {
  /** The body text (already base64-decoded); undefined when there is none. */
  body: string | undefined;
  /** The `Authorization` header, if any. */
  authorization: string | undefined;
}

export type CallbackAnswer = { ok: true; runId: string; kind: CallbackKind; uploadUrl?: string } | { error: { type: string; message: string } };

export interface CallbackHttpResponse {
  statusCode: number;
  body: CallbackAnswer;
  /** Extra response headers (`retry-after` on a 429). */
  headers?: Record<string, string>;
}

/** The logging this module needs; a powertools `Logger` fits. */
export interface CallbackLogger {
  info(message: string, attributes: Record<string, unknown>): void;
  warn(message: string, attributes: Record<string, unknown>): void;
  error(message: string, attributes: Record<string, unknown>): void;
}

export interface HandleCallbackOptions {
  registry: CallbackRegistry;
  /** The deployment's key secrets are tagged with (./signing-key.ts); never logged. */
  signingKey: KeyObject;
  completer: TaskCompleter;
  logger: CallbackLogger;
  /** The clock expiry is checked against. */
  now: () => Date;
  /** A fresh upload URL for a run's results file. @default none: `upload-url` is refused */
  uploadUrlFor?: (runId: string) => Promise<string>;
  /** Make the next call of a run's function cold. @default none: `force-cold` is refused */
  forceCold?: (runId: string, functionName: string) => Promise<void>;
  /** Per-secret and overall request buckets, taken before any registry query (./throttle.ts). @default none */
  throttle?: CallbackThrottle;
}

/** Handle one callback request; never throws (unexpected errors are answered with 500). */
export async function handleCallback(request: CallbackHttpRequest, options: HandleCallbackOptions): Promise<CallbackHttpResponse> {
  const secrets: string[] = [];
  let logged: { runId?: string; kind?: string } = {};
  try {
    const call = parseCallbackRequest(request);
    secrets.push(call.secret);
    logged = { runId: call.runId, kind: call.kind };
    // Cheap refusals first: nothing below reaches the registry (the database) for junk or a flood.
    if (!callbackSecretIsAuthentic(options.signingKey, call.runId, call.secret)) throw new CallbackSecretMismatchError(call.runId);
    const verdict = options.throttle?.take(call.secret);
    if (verdict && !verdict.allowed) throw new CallbackThrottledError(verdict.scope, verdict.retryAfterSeconds);
    const uploadUrl = await processCallback(call, options, secrets);
    options.logger.info('callback accepted', { ...redactAll(logged, secrets), status: 200 });
    return { statusCode: 200, body: { ok: true, runId: call.runId, kind: call.kind, ...(uploadUrl ? { uploadUrl } : {}) } };
  } catch (error) {
    const known = error instanceof CallbackError ? error : undefined;
    const statusCode = known?.statusCode ?? 500;
    const type = known?.name ?? 'CallbackInternalError';
    const message = redact(known ? known.message : 'internal error', secrets);
    const attributes = { ...redactAll(logged, secrets), status: statusCode, errorType: type, message };
    if (statusCode < 500) {
      options.logger.warn('callback refused', attributes);
    } else {
      const detail = known ? known.cause : error;
      options.logger.error('callback failed', detail === undefined ? attributes : { ...attributes, cause: redact(describe(detail), secrets) });
    }
    const headers = known instanceof CallbackThrottledError ? { 'retry-after': String(known.retryAfterSeconds) } : undefined;
    return { statusCode, body: { error: { type, message } }, ...(headers ? { headers } : {}) };
  }
}

/** Validate the body and find the secret (header or body); {@link CallbackRequestInvalidError} if unusable. */
export function parseCallbackRequest(request: CallbackHttpRequest): CallbackCall {
  if (request.body === undefined || request.body.trim() === '') throw new CallbackRequestInvalidError('empty body: send a JSON object');
  let json: unknown;
  try {
    json = JSON.parse(request.body);
  } catch {
    throw new CallbackRequestInvalidError('body is not valid JSON');
  }
  const parsed = callbackBodySchema.safeParse(json);
  if (!parsed.success) throw new CallbackRequestInvalidError(`invalid callback: ${z.prettifyError(parsed.error).replaceAll('\n', ' ')}`);
  const { secret: bodySecret, ...rest } = parsed.data;
  const headerSecret = bearerToken(request.authorization);
  if (headerSecret !== undefined && bodySecret !== undefined && headerSecret !== bodySecret) {
    throw new CallbackRequestInvalidError('the secret in the Authorization header and the one in the body differ');
  }
  const resolved = headerSecret ?? bodySecret;
  if (resolved === undefined) throw new CallbackRequestInvalidError('no secret: send Authorization: Bearer <secret>');
  return { ...rest, secret: resolved };
}

/** Check and carry out one call; answers the upload URL of an `upload-url` call. */
async function processCallback(call: CallbackCall, options: HandleCallbackOptions, secrets: string[]): Promise<string | undefined> {
  const { registry, completer } = options;
  const entry = await fromRegistry(() => registry.find(call.runId));
  if (!entry) throw new CallbackRunUnknownError(call.runId);
  secrets.push(entry.taskToken);
  if (!callbackSecretMatches(call.secret, entry.secretHash)) throw new CallbackSecretMismatchError(call.runId);
  if (entry.used) throw new CallbackAlreadyCompletedError(call.runId);
  if (options.now().getTime() >= entry.expiresAt.getTime()) throw new CallbackExpiredError(call.runId, entry.expiresAt);

  if (call.kind === 'heartbeat') {
    await complete(() => completer.heartbeat(entry.taskToken));
    return undefined;
  }
  if (call.kind === 'upload-url') {
    if (!options.uploadUrlFor) throw new CallbackRequestInvalidError('this endpoint hands out no upload URLs: write the results where the plan says');
    const uploadFor = options.uploadUrlFor;
    try {
      return await uploadFor(call.runId);
    } catch (error) {
      throw new CallbackRegistryUnavailableError('could not make an upload URL; retry later', { cause: error });
    }
  }
  if (call.kind === 'force-cold') {
    if (!options.forceCold) throw new CallbackRequestInvalidError('this endpoint cannot force cold starts on this platform');
    try {
      await options.forceCold(call.runId, call.function);
    } catch (error) {
      // The forcer's own verdict (e.g. 400: not on this run's platform) is answered as it is.
      if (error instanceof CallbackError) throw error;
      throw new ColdStartNotForcedError(`could not force a cold start of ${call.function}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    return undefined;
  }
  if (call.kind === 'success') serializeTaskOutput(call.output); // refuse an oversized output before claiming
  if (!(await fromRegistry(() => registry.markUsed(call.runId)))) throw new CallbackAlreadyCompletedError(call.runId);
  try {
    if (call.kind === 'success') await complete(() => completer.success(entry.taskToken, call.output));
    else await complete(() => completer.failure(entry.taskToken, call.error, call.cause ?? ''));
  } catch (error) {
    if (error instanceof TaskCompleterUnavailableError) await releaseClaim(entry, options, secrets);
    throw error;
  }
  return undefined;
}

/** Give the run's claim back so the agent's retry is not refused as a replay. */
async function releaseClaim(entry: CallbackEntry, options: HandleCallbackOptions, secrets: string[]): Promise<void> {
  try {
    await options.registry.release(entry.runId);
  } catch (error) {
    options.logger.error('callback claim not released; a retry will be refused as a replay', {
      runId: redact(entry.runId, secrets),
      cause: redact(describe(error), secrets),
    });
  }
}

async function complete(call: () => Promise<void>): Promise<void> {
  try {
    await call();
  } catch (error) {
    throw toTaskCompleterError(error);
  }
}

async function fromRegistry<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof CallbackError) throw error;
    throw new CallbackRegistryUnavailableError('the callback registry failed; retry later', { cause: error });
  }
}

/** The credentials of `Authorization: Bearer <token>`, or undefined without such a header. */
function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^\s*Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match?.[1]) throw new CallbackRequestInvalidError('the Authorization header must be "Bearer <secret>"');
  return match[1];
}

function redactAll(fields: { runId?: string; kind?: string }, secrets: readonly string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, redact(String(value), secrets)]));
}
