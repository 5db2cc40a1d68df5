import { describe, expect, it } from 'vitest';
import { labModelBench, type ModelStep } from '../test-support/lab-model-bench';
import weakestLink from './weakest-link';

const CHAIN = ['function1', 'function2', 'function3', 'monolith'];
/** One experiment hour of idling evicts; the default cold time (1200 s) is longer. */
const IDLE_TIMEOUT_MS = 1000 * 1000;

async function run(overrides: Record<string, unknown>) {
  const model = labModelBench({ idleTimeoutMs: IDLE_TIMEOUT_MS });
  const params = weakestLink.params.parse({ hopThroughputTimeSeconds: 0, ...overrides });
  await weakestLink.run(model.bench, params);
  return model;
}

/** The calls made before each chain call since the previous one, by function name. */
function prewarmCallsPerChain(steps: ModelStep[]): string[][] {
  const groups: string[][] = [];
  let current: string[] = [];
  for (const step of steps) {
    if (!('call' in step)) continue;
    if (step.call.nested) {
      groups.push(current);
      current = [];
    } else current.push(step.call.functionName);
  }
  return groups;
}

describe('Experiment: weakest-link', () => {
  it('pre-warms the first k functions of the chain at level k (the original warmed only the root), so exactly the others start cold', async () => {
    const { steps, rows } = await run({ iterations: 2 });
    const reversed = [...CHAIN].reverse();
    expect(prewarmCallsPerChain(steps)).toEqual([
      ...[0, 1, 2, 3, 4].flatMap((level) => [CHAIN.slice(0, level), CHAIN.slice(0, level)]),
      reversed.slice(0, 1),
      reversed.slice(0, 1),
    ]);
    const hops = rows.weakest_link ?? [];
    expect(hops).toHaveLength(12 * 4);
    // Every hop was cold exactly when its pre-warm level left it out, as the functions' own flags say.
    expect(hops.filter((row) => row.cold !== row.expected_cold)).toEqual([]);
    expect(hops.filter((row) => row.prewarmed !== (!row.expected_cold))).toEqual([]);
    expect(hops.filter((row) => row.direction === 'reversed' && row.hop === 0).map((row) => row.function_name)).toEqual(['monolith', 'monolith']);
    expect(hops.every((row) => row.status === 'ok' && row.chain_complete === true)).toBe(true);
  });

  it('idles one cold time between iterations, none before the first or after the last', async () => {
    const { steps } = await run({ iterations: 3, coldTimeSeconds: 1500 });
    const sleeps = steps.filter((step): step is { sleepMs: number } => 'sleepMs' in step && step.sleepMs > 0);
    expect(sleeps).toEqual(Array.from({ length: 6 * 3 - 1 }, () => ({ sleepMs: 1_500_000 })));
    expect('call' in (steps[steps.length - 1] as ModelStep)).toBe(true);
  });

  it('with forceCold, makes every link cold before each iteration instead of idling', async () => {
    const { steps, rows } = await run({ iterations: 1, prewarmLevels: [0, 2], reversedPrewarmLevels: [], forceCold: true });
    expect(steps.filter((step) => 'sleepMs' in step && step.sleepMs > 0)).toEqual([]);
    expect(steps.filter((step) => 'forceCold' in step)).toEqual([...CHAIN, ...CHAIN].map((name) => ({ forceCold: name })));
    expect((rows.weakest_link ?? []).map((row) => [row.prewarm_level, row.function_name, row.cold])).toEqual([
      [0, 'function1', true],
      [0, 'function2', true],
      [0, 'function3', true],
      [0, 'monolith', true],
      [2, 'function1', false],
      [2, 'function2', false],
      [2, 'function3', true],
      [2, 'monolith', true],
    ]);
  });

  it('summarises each level with one weakest link and states it per level in the result', async () => {
    const { rows, result, logs } = await run({ iterations: 1 });
    const summaries = rows.weakest_link_summary ?? [];
    expect(summaries).toHaveLength(6 * 4);
    const groups = new Map<string, Record<string, unknown>[]>();
    for (const row of summaries) groups.set(`${row.direction} ${row.prewarm_level}`, [...(groups.get(`${row.direction} ${row.prewarm_level}`) ?? []), row]);
    expect([...groups.keys()]).toEqual(['forward 0', 'forward 1', 'forward 2', 'forward 3', 'forward 4', 'reversed 1']);
    for (const group of groups.values()) {
      expect(group.filter((row) => row.weakest_link === true)).toHaveLength(1);
      expect(group.reduce((total, row) => total + (row.share as number), 0)).toBeCloseTo(1, 3);
    }
    const first = (groups.get('forward 0') ?? []).find((row) => row.weakest_link === true);
    expect(result()).toMatchObject({ metric: 'weakest_link_share', unit: 'fraction', function: first?.function_name, value: first?.share });
    expect(result()?.sentence).toMatch(/level 0: .*level 1: .*level 4: .*reversed, level 1: /);
    expect(logs.filter((line) => line.includes('weakest link'))).toHaveLength(6);
  });

  it.each([
    [{ prewarmLevels: [5] }, 'prewarmLevels'],
    [{ reversedPrewarmLevels: [0, 5] }, 'reversedPrewarmLevels'],
    [{ chain: ['function1', 'function1'] }, 'chain'],
    [{ chain: ['function1'] }, 'chain'],
  ])('refuses %j before it runs', (params, path) => {
    const parsed = weakestLink.params.safeParse(params);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual([path]);
  });
});
