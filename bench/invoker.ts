/**
 * The timed invoker against autocannon, on a trivial endpoint in a separate Node process
 * (bench/invoker-endpoint.ts, forked), both through the `local` provider's path
 * `/function/bench`:
 * (a) autocannon's programmatic API, 100 connections;
 * (b) the Invoker's single `invoke` (its undici path) with 100 concurrent workers (and 100
 *     connections, as autocannon), every TimedAnswer kept in memory — target ≥ 0.7 of autocannon's
 *     req/s;
 * (c) the release spread (last sendAt − first sendAt) of a 256-way `invokeConcurrently` after
 *     warming 256 connections, 20 batches through each of its two paths side by side, interleaved
 *     batch by batch: the raw-socket path (after `warm(256)`) and undici (an invoker never
 *     warm()ed, so the whole batch goes through its undici pool, opened to 256 connections by
 *     concurrent invokes) — target median ≤ 5 ms. `sendAt` means the same on both: right before
 *     the request's socket write (see client-agent/invoker/invoker.ts). The bare `socket.write`
 *     floor is printed for reference.
 * (a) and (b) run in interleaved 1 s slices (a b, b a, a b, …; 5 s each in all) so that drift in the
 * load of a shared machine hits both alike; CPU per request of client and endpoint is printed too.
 * Loopback only; bounded in time and count.
 */
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { Invoker, type TimedAnswer } from '../client-agent/invoker';
import { createProvider } from '../client-agent/providers';
import { serverCpuUs, startEndpoint } from './endpoint-process';

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

/** Last sendAt − first sendAt of one batch, in ms; throws unless every request was sent and answered ok. */
function spreadOf(answers: TimedAnswer[], name: string): number {
  const sends = answers.map((answer) => answer.sendAt).filter((at): at is number => at !== null);
  if (sends.length !== BATCH || answers.some((answer) => answer.classified.status !== 'ok' || answer.attempts !== 1)) throw new Error(`${name}: not every request was sent once and answered ok`);
  return Math.max(...sends) - Math.min(...sends);
}

/**
 * Make sure the invoker's undici pool has BATCH open connections: BATCH concurrent invokes, all
 * dispatched in one synchronous loop, each take a connection of their own (undici opens a new one
 * while every open one is busy, up to `connectionsPerOrigin`). A no-op once they are open.
 */
async function warmUndici(invoker: Invoker, url: string): Promise<void> {
  for (let round = 0; round < 3 && (invoker.stats()[url]?.connected ?? 0) < BATCH; round++) {
    await Promise.all(Array.from({ length: BATCH }, () => invoker.invoke('bench', {})));
  }
  const connected = invoker.stats()[url]?.connected ?? 0;
  if (connected < BATCH) throw new Error(`the undici pool has ${connected} of ${BATCH} connections open after warming`);
}

export async function run(): Promise<void> {
  const { child, url } = await startEndpoint();
  const path = '/function/bench';
  const invoker = new Invoker(createProvider({ platform: 'local', gatewayUrl: url }), { connectionsPerOrigin: CONNECTIONS, timeoutMs: 30_000 });
  // (c): one invoker per batch path. The undici one is never warm()ed, so its raw pool stays empty
  // and invokeConcurrently sends every request through its undici pool (warmed by warmUndici).
  const rawBatchInvoker = new Invoker(createProvider({ platform: 'local', gatewayUrl: url }), { timeoutMs: 30_000, connectionsPerOrigin: BATCH });
  const undiciBatchInvoker = new Invoker(createProvider({ platform: 'local', gatewayUrl: url }), { timeoutMs: 30_000, connectionsPerOrigin: BATCH });
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

    // (c) Both batch paths, interleaved batch by batch (raw undici, undici raw, …) so that drift in
    // the machine's load hits both alike.
    await warmUndici(undiciBatchInvoker, url);
    const rawSpreads: number[] = [];
    const undiciSpreads: number[] = [];
    let rawLower = 0;
    for (let i = 0; i < BATCHES; i++) {
      const raw = async () => {
        await rawBatchInvoker.warm('bench', BATCH);
        rawSpreads.push(spreadOf(await rawBatchInvoker.invokeConcurrently('bench', BATCH, {}), `raw batch ${i}`));
      };
      const undici = async () => {
        await warmUndici(undiciBatchInvoker, url);
        undiciSpreads.push(spreadOf(await undiciBatchInvoker.invokeConcurrently('bench', BATCH, {}), `undici batch ${i}`));
      };
      if (i % 2 === 0) {
        await raw();
        await undici();
      } else {
        await undici();
        await raw();
      }
      if ((rawSpreads[i] as number) < (undiciSpreads[i] as number)) rawLower += 1;
    }
    const rawConnections = rawBatchInvoker.stats()[url]?.connected ?? 0;
    const undiciConnections = undiciBatchInvoker.stats()[url]?.connected ?? 0;
    console.log(`release spread of a ${BATCH}-way invokeConcurrently after warming ${BATCH} connections, ${BATCHES} batches per path, interleaved (last sendAt − first sendAt; sendAt: right before the request's socket write):`);
    console.log(`  ${'path'.padEnd(32)} ${'median'.padStart(9)} ${'p90'.padStart(9)} ${'max'.padStart(9)}  target median ≤ ${SPREAD_TARGET_MS} ms`);
    const row = (name: string, spreads: number[], connections: number) => {
      const sorted = [...spreads].sort((a, b) => a - b);
      const median = percentile(sorted, 0.5);
      const ms = (value: number) => `${value.toFixed(2)} ms`.padStart(9);
      console.log(`  ${name.padEnd(32)} ${ms(median)} ${ms(percentile(sorted, 0.9))} ${ms(sorted.at(-1) ?? Number.NaN)}  ${median <= SPREAD_TARGET_MS ? 'met' : 'NOT met'} (${connections} connections open)`);
      return median;
    };
    const rawMedian = row('raw sockets (warm(), raw-pool)', rawSpreads, rawConnections);
    const undiciMedian = row('undici pool (Attempt handler)', undiciSpreads, undiciConnections);
    console.log(`  raw median / undici median ${(rawMedian / undiciMedian).toFixed(2)}; raw lower in ${rawLower} of ${BATCHES} paired batches`);
    const floor = await rawWriteFloorMs(url);
    console.log(`  for reference, ${BATCH} plain socket.write calls of a whole request on open sockets (no HTTP client): median ${floor.toFixed(2)} ms`);
  } finally {
    await invoker.close();
    await rawBatchInvoker.close();
    await undiciBatchInvoker.close();
    child.kill();
  }
}
