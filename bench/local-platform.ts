/**
 * Local platform: cold start of function1 vs the monolith (a real process start each), and warm
 * invocations through the gateway.
 */
import { performance } from 'node:perf_hooks';
import { Agent, request } from 'undici';
import { startLocalPlatform } from '../local/platform/start';

const COLD_STARTS_PER_FUNCTION = 8;
const WARM_INVOCATIONS = 2000;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
}

export async function run(): Promise<void> {
  const platform = await startLocalPlatform({ port: 0, build: true, idleTimeoutMs: 60_000 });
  const dispatcher = new Agent({ connections: 4 });
  const call = async (name: string, body = '{}') => {
    const started = performance.now();
    const answer = await request(`${platform.url}/function/${name}`, { method: 'POST', body, dispatcher });
    await answer.body.text();
    if (answer.statusCode !== 200) throw new Error(`${name} answered ${answer.statusCode}`);
    return performance.now() - started;
  };
  try {
    const cold: Record<string, number[]> = {};
    for (const name of ['function1', 'monolith']) {
      cold[name] = [];
      for (let i = 0; i < COLD_STARTS_PER_FUNCTION; i++) {
        await platform.platform.scale(name, 0);
        cold[name].push(await call(name));
      }
      cold[name].sort((a, b) => a - b);
    }
    const f1 = percentile(cold.function1 ?? [], 0.5);
    const mono = percentile(cold.monolith ?? [], 0.5);
    console.log(`cold start, median of ${COLD_STARTS_PER_FUNCTION} (client-side latency of the first call):`);
    console.log(`  function1 ${f1.toFixed(1)} ms, monolith ${mono.toFixed(1)} ms, ratio ${(mono / f1).toFixed(2)}×`);
    console.log(`  target: function1 ≤ 400 ms → ${f1 <= 400 ? 'met' : 'NOT met'}`);

    await call('function1');
    const warm: number[] = [];
    const started = performance.now();
    for (let i = 0; i < WARM_INVOCATIONS; i++) warm.push(await call('function1'));
    const seconds = (performance.now() - started) / 1000;
    warm.sort((a, b) => a - b);
    const p50 = percentile(warm, 0.5);
    console.log(`warm invocations through the gateway, ${WARM_INVOCATIONS} sequential:`);
    console.log(`  ${(WARM_INVOCATIONS / seconds).toFixed(0)} req/s, p50 ${p50.toFixed(2)} ms, p99 ${percentile(warm, 0.99).toFixed(2)} ms`);
    console.log(`  target: p50 ≤ 3 ms → ${p50 <= 3 ? 'met' : 'NOT met'}`);
  } finally {
    await dispatcher.close();
    await platform.stop();
  }
}
