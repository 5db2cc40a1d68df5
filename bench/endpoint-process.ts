/**
 * The trivial HTTP endpoint of the benchmarks (bench/invoker-endpoint.ts) in a process of its own,
 * so that client and server do not share an event loop: start it, ask it for its CPU time.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';

/** Fork the endpoint; resolves with the process and its base URL once it listens (at most 20 s). */
export async function startEndpoint(): Promise<{ child: ChildProcess; url: string }> {
  const child = fork(join(__dirname, 'invoker-endpoint.ts'), [], {
    execArgv: ['--require', require.resolve('tsx/cjs')],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const started = once(child, 'message') as Promise<[{ port: number }]>;
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the bench endpoint did not start within 20 s')), 20_000).unref());
  const [{ port }] = await Promise.race([started, timeout]);
  return { child, url: `http://127.0.0.1:${port}` };
}

/** The endpoint's CPU time so far (user + system), in µs. */
export async function serverCpuUs(child: ChildProcess): Promise<number> {
  return (await endpointUsage(child)).cpuUs;
}

/** The endpoint's CPU time so far (user + system, µs) and the connections it has accepted. */
export async function endpointUsage(child: ChildProcess): Promise<{ cpuUs: number; connections: number }> {
  child.send('cpu');
  const [message] = (await once(child, 'message')) as [{ cpu: NodeJS.CpuUsage; connections: number }];
  return { cpuUs: message.cpu.user + message.cpu.system, connections: message.connections };
}
