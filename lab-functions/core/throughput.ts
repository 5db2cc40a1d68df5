import { nowEpochMs, processCpuMs } from './clock';
import { createRandom } from './random';

/** What a busy-work loop did. */
export interface ThroughputResult {
  /** Random-number operations completed. */
  ops: number;
  /** CPU time this process used during the loop, in ms. */
  cpuTimeMs: number;
  /** Wall time of the loop, in ms. */
  wallTimeMs: number;
  /** Seed of the loop's random generator (the original's `throughput_time · 100`). */
  seed: number;
}

const RING_SIZE = 1 << 16;
const OPS_PER_CLOCK_CHECK = 1024;

/**
 * Busy CPU work for `durationSec` seconds: draw seeded random numbers and store them, like the
 * original's "append random floats to a list" loop, but into a fixed ring buffer so memory stays
 * bounded however long the loop runs. The loop blocks the event loop on purpose: it measures how
 * much CPU the platform gives this instance.
 */
export function runThroughput(durationSec: number): ThroughputResult {
  const seed = Math.round(durationSec * 100);
  const random = createRandom(seed);
  const ring = new Float64Array(RING_SIZE);
  const cpuStart = processCpuMs();
  const wallStart = nowEpochMs();
  const deadline = wallStart + durationSec * 1000;
  let ops = 0;
  do {
    for (let i = 0; i < OPS_PER_CLOCK_CHECK; i++) {
      ring[ops & (RING_SIZE - 1)] = random();
      ops++;
    }
  } while (nowEpochMs() < deadline);
  return { ops, cpuTimeMs: processCpuMs() - cpuStart, wallTimeMs: nowEpochMs() - wallStart, seed };
}
