import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';

export class CallbackRefusedError extends Error {
  override name = 'CallbackRefusedError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const RETRY_DELAYS_MS = [200, 1000, 3000, 10_000];

/**
 * The agent's side of the callback endpoint (lib/callback/handle-callback.ts): `POST <url>` with
 * `{runId, kind, …}` and the run's secret as a bearer token. A 502/503 or a connection failure is
 * retried a few times (the outcome of hours of work must not be lost to one blip); any other
 * refusal is final. The secret is never printed.
 */
export class CallbackClient {
  constructor(private readonly target: { url: string; runId: string; secret: string }) {}

  success(output: unknown): Promise<void> {
    return this.send({ kind: 'success', output }).then(() => undefined);
  }

  failure(error: string, cause: string): Promise<void> {
    return this.send({ kind: 'failure', error: error.slice(0, 256), cause: cause.slice(0, 32_768) }).then(() => undefined);
  }

  heartbeat(): Promise<void> {
    return this.send({ kind: 'heartbeat' }, 1).then(() => undefined);
  }

  /** A fresh URL to upload the results file to (the plan's may have expired during a long run). */
  async uploadUrl(): Promise<string> {
    const answer = (await this.send({ kind: 'upload-url' })) as { uploadUrl?: unknown };
    if (typeof answer.uploadUrl !== 'string') throw new CallbackRefusedError(200, 'callback upload-url answered no uploadUrl');
    return answer.uploadUrl;
  }

  /** Ask the control plane to make the next call of `functionName` cold (platforms where the agent cannot). */
  async forceCold(functionName: string): Promise<void> {
    await this.send({ kind: 'force-cold', function: functionName }, 2);
  }

  /** Sends one call; answers the endpoint's JSON answer. */
  private async send(body: Record<string, unknown>, attempts = RETRY_DELAYS_MS.length + 1): Promise<unknown> {
    const text = JSON.stringify({ runId: this.target.runId, ...body });
    for (let attempt = 1; ; attempt++) {
      let status: number | undefined;
      let answer = '';
      try {
        const response = await request(this.target.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${this.target.secret}` },
          body: text,
          headersTimeout: 30_000,
          bodyTimeout: 30_000,
        });
        status = response.statusCode;
        answer = await response.body.text();
        if (status >= 200 && status < 300) return answer ? (JSON.parse(answer) as unknown) : {};
        if (status !== 502 && status !== 503) throw new CallbackRefusedError(status, `callback ${body.kind} refused with ${status}: ${answer.replaceAll(this.target.secret, '***').slice(0, 300)}`);
      } catch (error) {
        if (error instanceof CallbackRefusedError || attempt >= attempts) throw error;
      }
      if (attempt >= attempts) throw new CallbackRefusedError(status ?? 0, `callback ${body.kind} failed after ${attempts} attempts`);
      await sleep(RETRY_DELAYS_MS[attempt - 1] ?? 10_000);
    }
  }
}
