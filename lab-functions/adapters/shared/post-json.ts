import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { NestedResponse } from '../../core/nested';
import { parseAnswer } from './body';

/** Keep-alive agents for nested calls, one pair per adapter instance (per process). */
export interface KeepAliveAgents {
  http: HttpAgent;
  https: HttpsAgent;
}

export function createKeepAliveAgents(maxSockets = 64): KeepAliveAgents {
  return { http: new HttpAgent({ keepAlive: true, maxSockets }), https: new HttpsAgent({ keepAlive: true, maxSockets }) };
}

export interface PostJsonOptions {
  headers?: Record<string, string>;
  timeoutMs: number;
  agents: KeepAliveAgents;
  /** Abandons the call (the request is destroyed, the promise rejects with an AbortError). */
  signal?: AbortSignal;
}

/**
 * POST a JSON body and resolve with the answer's status and parsed body, whatever the status.
 * Rejects only when no answer came (connection refused, reset, timeout). Built on node:http(s)
 * rather than undici so that function1's bundle stays small: its size against the monolith's is
 * what the large-function experiments compare.
 */
export function postJson(url: string, payload: unknown, options: PostJsonOptions): Promise<NestedResponse> {
  const target = new URL(url);
  const secure = target.protocol === 'https:';
  const text = JSON.stringify(payload);
  const headers = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...options.headers };
  const send = secure ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const call = send(target, { method: 'POST', headers, agent: secure ? options.agents.https : options.agents.http, timeout: options.timeoutMs, signal: options.signal }, (answer) => {
      const chunks: Buffer[] = [];
      answer.on('data', (chunk: Buffer) => chunks.push(chunk));
      answer.on('error', reject);
      answer.on('end', () => resolve({ statusCode: answer.statusCode ?? 0, body: parseAnswer(Buffer.concat(chunks).toString('utf8')) }));
    });
    call.on('timeout', () => call.destroy(new Error(`no answer from ${target.host} within ${options.timeoutMs} ms`)));
    call.on('error', reject);
    call.end(text);
  });
}

/** Destroy both agents' sockets (at server close). */
export function destroyAgents(agents: KeepAliveAgents): void {
  agents.http.destroy();
  agents.https.destroy();
}
