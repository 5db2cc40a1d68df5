/**
 * Performance benchmarks (`npm run bench [name...]`), not tests: each prints its figures next to
 * its targets, measured side by side in one run on whatever machine runs them. Loopback only,
 * bounded in count and time.
 */
import { run as invoker } from './invoker';
import { run as localPlatform } from './local-platform';
import { run as openLoop } from './open-loop';
import { run as store } from './store';

const BENCHMARKS: Record<string, () => Promise<void>> = {
  invoker,
  store,
  'local-platform': localPlatform,
  'open-loop': openLoop,
};

async function main(): Promise<void> {
  const requested = process.argv.slice(2);
  const unknown = requested.filter((name) => !(name in BENCHMARKS));
  if (unknown.length) throw new Error(`unknown benchmark ${unknown.join(', ')}; known: ${Object.keys(BENCHMARKS).join(', ')}`);
  for (const name of requested.length ? requested : Object.keys(BENCHMARKS)) {
    console.log(`\n== ${name}`);
    await (BENCHMARKS[name] as () => Promise<void>)();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
