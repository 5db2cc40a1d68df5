import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { type CallbackCallKind, nextDelayMs, parseRetryAfter, RETRIABLE_STATUSES, RETRY_TIMING, type RetryTiming } from './callback-retry';

export class CallbackRefusedError extends Error {
  override name = 'CallbackRefusedError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The agent's side of the callback endpoint (lib/callback/handle-callback.ts): `POST <url>` with
 * `{runId, kind, …}` and the run's secret as a bearer token. A 429, 502 or 503 or a connection
 * failure is tried again with jittered exponential backoff within a time budget per kind of call
 * (./callback-retry.ts): the outcome of hours of work must not be lost to a throttle or a blip.
 * Any other refusal is final. The secret is never printed.
 */
export class CallbackClient {
  private readonly timing: Readonly<Record<CallbackCallKind, RetryTiming>>;

  constructor(
    private readonly target: { url: string; runId: string; secret: string },
    options: { timing?: Partial<Record<CallbackCallKind, RetryTiming>> } = {},
  ) {
    this.timing = { ...RETRY_TIMING, ...options.timing };
  }

  success(output: unknown): Promise<void> {
    return this.send({ kind: 'success', output }).then(() => undefined);
  }

  failure(error: string, cause: string): Promise<void> {
    return this.send({ kind: 'failure', error: error.slice(0, 256), cause: cause.slice(0, 32_768) }).then(() => undefined);
  }

  heartbeat(): Promise<void> {
    return this.send({ kind: 'heartbeat' }).then(() => undefined);
  }

  /** A fresh URL to upload the results file to (the plan's may have expired during a long run). */
  async uploadUrl(): Promise<string> {
    const answer = (await this.send({ kind: 'upload-url' })) as { uploadUrl?: unknown };
    if (typeof answer.uploadUrl !== 'string') throw new CallbackRefusedError(200, 'callback upload-url answered no uploadUrl');
    return answer.uploadUrl;
  }

  /** Ask the control plane to make the next call of `functionName` cold (platforms where the agent cannot). */
  async forceCold(functionName: string): Promise<void> {
    await this.send({ kind: 'force-cold', function: functionName });
  }

  /** Sends one call, trying again within its kind's budget; answers the endpoint's JSON answer. */
  private async send(body: { kind: CallbackCallKind } & Record<string, unknown>): Promise<unknown> {
    const text = JSON.stringify({ runId: this.target.runId, ...body });
    const timing = this.timing[body.kind];
    const startedMs = performance.now();
    for (let attempt = 1; ; attempt++) {
      let status: number | undefined;
      let retryAfterSeconds: number | undefined;
      let lastError: unknown;
      try {
        const response = await request(this.target.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${this.target.secret}` },
          body: text,
          headersTimeout: 30_000,
          bodyTimeout: 30_000,
        });
        status = response.statusCode;
        const answer = await response.body.text();
        if (status >= 200 && status < 300) return answer ? (JSON.parse(answer) as unknown) : {};
        if (!RETRIABLE_STATUSES.has(status)) throw new CallbackRefusedError(status, `callback ${body.kind} refused with ${status}: ${answer.replaceAll(this.target.secret, '***').slice(0, 300)}`);
        retryAfterSeconds = parseRetryAfter(response.headers['retry-after']);
      } catch (error) {
        if (error instanceof CallbackRefusedError) throw error;
        lastError = error;
      }
      const delayMs = nextDelayMs(timing, attempt, performance.now() - startedMs, retryAfterSeconds);
      if (delayMs === undefined) {
        const last = status !== undefined ? `the last answer ${status}` : `the last error ${lastError instanceof Error ? lastError.message : String(lastError)}`;
        throw new CallbackRefusedError(status ?? 0, `callback ${body.kind} failed after ${attempt} attempts in ${Math.round((performance.now() - startedMs) / 1000)} s (${last})`);
      }
      await sleep(delayMs);
    }
  }
}
