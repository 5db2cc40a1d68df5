import { describe, expect, it } from 'vitest';
import { createRandom } from '../../random';
import { dockerDocumentation, dummieWebpage, fillTemplate, randomSlice, SLICE_LENGTH } from './text';

describe('text features', () => {
  it('fills slots in order from the generator', () => {
    const filled = fillTemplate('a {word} b {word} c {list}', ['x', 'y'], createRandom(1));
    expect(filled).toMatch(/^a [xy] b [xy] c \[(\d+(, \d+)*)?\]$/);
    expect(filled).not.toContain('{');
  });

  it('returns 100-character slices that are deterministic per seed and vary across seeds', () => {
    for (const feature of [dummieWebpage, dockerDocumentation]) {
      const results = new Set<string>();
      for (let seed = 0; seed < 20; seed++) {
        const text = feature(createRandom(seed));
        expect(text).toHaveLength(SLICE_LENGTH);
        expect(feature(createRandom(seed))).toBe(text);
        results.add(text);
      }
      expect(results.size).toBeGreaterThan(10);
    }
  });

  it('returns a short text whole', () => {
    expect(randomSlice('short', createRandom(1))).toBe('short');
  });
});
