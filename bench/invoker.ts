/**
 * The timed invoker against autocannon, on a trivial endpoint in a separate Node process
 * (bench/invoker-endpoint.ts, forked), both through the `local` provider's path
 * `/function/bench`:
 * (a) autocannon's programmatic API, 100 connections;
 * (b) the Invoker's single `invoke` (its undici path) with 100 concurrent workers (and 100
 *     connections, as autocannon), every TimedAnswer kept in memory — target ≥ 0.7 of autocannon's
 *     req/s;
 * (c) the release spread of `invokeConcurrently(256)` after `warm(256)` (its raw-socket path; last
 *     sendAt − first sendAt), over 20 batches — target median ≤ 5 ms.
 * (a) and (b) run in interleaved 1 s slices (a b, b a, a b, …; 5 s each in all) so that drift in the
 * load of a shared machine hits both alike; CPU per request of client and endpoint is printed too.
 * Loopback only; bounded in time and count.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { Invoker, type TimedAnswer } from '../client-agent/invoker';
import { createProvider } from '../client-agent/providers';

const CONNECTIONS = 100;
/** (a) and (b) each run in 5 slices of 1 s (autocannon stops on whole seconds), interleaved a b, b a, a b, … */
const SLICE_SECONDS = 1;
const SLICES = 5;
const BATCH = 256;
const BATCHES = 20;
const THROUGHPUT_TARGET = 0.7;
const SPREAD_TARGET_MS = 5;

interface Phase {
  requests: number;
  wallMs: number;
  clientCpuUs: number;
  serverCpuUs: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
}

async function startEndpoint(): Promise<{ child: ChildProcess; url: string }> {
  const child = fork(join(__dirname, 'invoker-endpoint.ts'), [], {
    execArgv: ['--require', require.resolve('tsx/cjs')],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const started = once(child, 'message') as Promise<[{ port: number }]>;
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the bench endpoint did not start within 20 s')), 20_000).unref());
  const [{ port }] = await Promise.race([started, timeout]);
  return { child, url: `http://127.0.0.1:${port}` };
}

async function serverCpuUs(child: ChildProcess): Promise<number> {
  child.send('cpu');
  const [message] = (await once(child, 'message')) as [{ cpu: NodeJS.CpuUsage }];
  return message.cpu.user + message.cpu.system;
}

/** Run `work`; it returns its request count and, if it knows better than the wall time around it, its own duration. */
async function measure(child: ChildProcess, work: () => Promise<{ requests: number; durationMs?: number }>): Promise<Phase> {
  const server0 = await serverCpuUs(child);
  const client0 = process.cpuUsage();
  const started = performance.now();
  const { requests, durationMs } = await work();
  const wallMs = durationMs ?? performance.now() - started;
  const client = process.cpuUsage(client0);
  return { requests, wallMs, clientCpuUs: client.user + client.system, serverCpuUs: (await serverCpuUs(child)) - server0 };
}

function add(total: Phase, part: Phase): Phase {
  return {
    requests: total.requests + part.requests,
    wallMs: total.wallMs + part.wallMs,
    clientCpuUs: total.clientCpuUs + part.clientCpuUs,
    serverCpuUs: total.serverCpuUs + part.serverCpuUs,
  };
}

function describePhase(name: string, phase: Phase): string {
  const perSecond = (phase.requests / phase.wallMs) * 1000;
  return `  ${name.padEnd(10)} ${perSecond.toFixed(0).padStart(7)} req/s (${phase.requests} requests; client CPU ${(phase.clientCpuUs / phase.requests).toFixed(1)} µs/req, endpoint CPU ${(phase.serverCpuUs / phase.requests).toFixed(1)} µs/req)`;
}

/**
 * The floor under (c) on this machine, now: the median time of one plain `socket.write` of a whole
 * request on each of 256 open sockets (no HTTP client at all), over 20 rounds. The kernel's
 * loopback send (and the endpoint waking up on the shared cores) is most of a release's cost.
 */
async function rawWriteFloorMs(url: string): Promise<number> {
  const { hostname, port } = new URL(url);
  const sockets: Socket[] = [];
  try {
    for (let i = 0; i < BATCH; i++) {
      const socket = connect(Number(port), hostname);
      socket.setNoDelay(true);
      socket.on('data', () => undefined);
      socket.on('error', () => undefined);
      await once(socket, 'connect');
      sockets.push(socket);
    }
    const request = Buffer.from(`POST /function/bench HTTP/1.1\r\nhost: ${hostname}:${port}\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}`);
    const rounds: number[] = [];
    for (let round = 0; round < BATCHES; round++) {
      const started = performance.now();
      for (const socket of sockets) socket.write(request);
      rounds.push(performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return percentile(rounds.sort((a, b) => a - b), 0.5);
  } finally {
    for (const socket of sockets) socket.destroy();
  }
}

export async function run(): Promise<void> {
  const { child, url } = await startEndpoint();
  const path = '/function/bench';
  const invoker = new Invoker(createProvider({ platform: 'local', gatewayUrl: url }), { connectionsPerOrigin: CONNECTIONS, timeoutMs: 30_000 });
  const batchInvoker = new Invoker(createProvider({ platform: 'local', gatewayUrl: url }), { timeoutMs: 30_000 });
  try {
    const kept: TimedAnswer[] = [];
    let notOk = 0;
    const autocannonSlice = () =>
      measure(child, async () => {
        const result = await autocannon({
          url: `${url}${path}`,
          connections: CONNECTIONS,
          duration: SLICE_SECONDS,
          method: 'POST',
          body: '{}',
          headers: { 'content-type': 'application/json' },
        });
        if (result.errors || result.non2xx) throw new Error(`autocannon saw ${result.errors} errors and ${result.non2xx} non-2xx answers`);
        // autocannon's own duration leaves out its connection set-up: the comparison favours it.
        return { requests: result.requests.total, durationMs: result.duration * 1000 };
      });
    const invokerSlice = () =>
      measure(child, async () => {
        const before = kept.length;
        const end = performance.now() + SLICE_SECONDS * 1000;
        const worker = async () => {
          while (performance.now() < end) {
            const answer = await invoker.invoke('bench', {});
            if (answer.classified.status !== 'ok') notOk += 1;
            kept.push(answer);
          }
        };
        await Promise.all(Array.from({ length: CONNECTIONS }, worker));
        return { requests: kept.length - before };
      });

    // Single invokes go through the invoker's undici pool (warm() opens raw connections, for
    // batches): one untimed round of CONNECTIONS concurrent invokes opens its connections.
    await Promise.all(Array.from({ length: CONNECTIONS }, () => invoker.invoke('bench', {})));
    const zero: Phase = { requests: 0, wallMs: 0, clientCpuUs: 0, serverCpuUs: 0 };
    let cannon = zero;
    let ours = zero;
    for (let slice = 0; slice < SLICES; slice++) {
      if (slice % 2 === 0) {
        cannon = add(cannon, await autocannonSlice());
        ours = add(ours, await invokerSlice());
      } else {
        ours = add(ours, await invokerSlice());
        cannon = add(cannon, await autocannonSlice());
      }
    }
    const ratio = ours.requests / ours.wallMs / (cannon.requests / cannon.wallMs);
    console.log(`throughput, ${CONNECTIONS} connections, ${SLICES * SLICE_SECONDS} s each (${SLICES} interleaved slices), endpoint in its own process:`);
    console.log(describePhase('autocannon', cannon));
    console.log(describePhase('Invoker', ours));
    console.log(`  Invoker kept ${kept.length} TimedAnswers in memory (${notOk} not ok)`);
    console.log(`  ratio ${ratio.toFixed(2)}; target ≥ ${THROUGHPUT_TARGET} of autocannon → ${ratio >= THROUGHPUT_TARGET ? 'met' : 'NOT met'}`);

    const spreads: number[] = [];
    for (let i = 0; i < BATCHES; i++) {
      await batchInvoker.warm('bench', BATCH);
      const answers = await batchInvoker.invokeConcurrently('bench', BATCH, {});
      const sends = answers.map((answer) => answer.sendAt).filter((at): at is number => at !== null);
      if (sends.length !== BATCH || answers.some((answer) => answer.classified.status !== 'ok')) throw new Error(`batch ${i}: not every request was sent and answered ok`);
      spreads.push(Math.max(...sends) - Math.min(...sends));
    }
    spreads.sort((a, b) => a - b);
    const median = percentile(spreads, 0.5);
    const connections = batchInvoker.stats()[url]?.connected ?? 0;
    console.log(`release spread of invokeConcurrently(${BATCH}) after warm(${BATCH}), ${BATCHES} batches (last sendAt − first sendAt):`);
    console.log(`  median ${median.toFixed(2)} ms, p90 ${percentile(spreads, 0.9).toFixed(2)} ms, max ${(spreads.at(-1) ?? Number.NaN).toFixed(2)} ms; ${connections} connections open`);
    console.log(`  target: median ≤ ${SPREAD_TARGET_MS} ms → ${median <= SPREAD_TARGET_MS ? 'met' : 'NOT met'}`);
    const floor = await rawWriteFloorMs(url);
    console.log(`  for reference, ${BATCH} plain socket.write calls of a whole request on open sockets (no HTTP client): median ${floor.toFixed(2)} ms`);
  } finally {
    await invoker.close();
    await batchInvoker.close();
    child.kill();
  }
}
