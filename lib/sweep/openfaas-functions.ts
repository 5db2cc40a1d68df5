/**
 * The sweeper's OpenFaaS source: the functions a gateway lists (`GET /system/functions`) that
 * carry the run label, judged by their expiry label (epoch seconds: label values cannot hold an
 * ISO time's `:`). Removal is `DELETE /system/functions`; a function already gone (404) is fine.
 */
import { request } from 'undici';
import { z } from 'zod';
import { EXPIRES_LABEL_KEY, RUN_LABEL_KEY } from '../platforms/run-resources';
import { judgeExpiry } from './expiry';
import type { SweepItem, SweepSource } from './sweep';

/** The gateway refused or failed a list or a delete. */
export class OpenFaasSweepError extends Error {
  override name = 'OpenFaasSweepError';
}

/** Where the gateway is. */
export interface OpenFaasSweepOptions {
  gatewayUrl: string;
  /** Basic auth of the gateway's /system API, if it needs it. */
  basicAuth?: { user: string; password: string };
}

const functionListSchema = z.array(z.object({ name: z.string(), labels: z.record(z.string(), z.string()).nullish() }).passthrough());

/** The source over one gateway's functions. */
export function openFaasFunctions(options: OpenFaasSweepOptions): SweepSource {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.basicAuth) headers.authorization = `Basic ${Buffer.from(`${options.basicAuth.user}:${options.basicAuth.password}`).toString('base64')}`;
  const call = async (method: 'GET' | 'DELETE', body?: unknown) => {
    const answer = await request(new URL('/system/functions', options.gatewayUrl), { method, headers, body: body === undefined ? undefined : JSON.stringify(body), headersTimeout: 30_000, bodyTimeout: 30_000 });
    return { status: answer.statusCode, text: await answer.body.text() };
  };
  return {
    kind: 'openfaas-function',
    async list(nowMs) {
      const answer = await call('GET');
      if (answer.status >= 300) throw new OpenFaasSweepError(`gateway ${options.gatewayUrl} answered ${answer.status} listing functions: ${answer.text.slice(0, 200)}`);
      const parsed = functionListSchema.safeParse(JSON.parse(answer.text));
      if (!parsed.success) throw new OpenFaasSweepError(`gateway ${options.gatewayUrl} listed functions in an unknown shape: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
      const items: SweepItem[] = [];
      for (const fn of parsed.data) {
        const runTag = fn.labels?.[RUN_LABEL_KEY];
        if (runTag === undefined) continue;
        items.push(judgeExpiry({ kind: 'openfaas-function', id: fn.name, runTag, expiresTag: fn.labels?.[EXPIRES_LABEL_KEY] }, 'epoch-seconds', nowMs));
      }
      return items;
    },
    async remove(item) {
      const answer = await call('DELETE', { functionName: item.id });
      if (answer.status >= 300 && answer.status !== 404) throw new OpenFaasSweepError(`gateway answered ${answer.status} deleting ${item.id}: ${answer.text.slice(0, 200)}`);
    },
  };
}
