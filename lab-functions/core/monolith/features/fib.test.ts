import { describe, expect, it } from 'vitest';
import { createRandom } from '../../random';
import { binet, fib } from './fib';

describe('fib', () => {
  it("Binet's formula matches the Fibonacci numbers up to 20", () => {
    let [a, b] = [0, 1];
    for (let n = 0; n <= 20; n++) {
      expect(Math.round(binet(n))).toBe(a);
      expect(Math.abs(binet(n) - a)).toBeLessThan(1e-6);
      [a, b] = [b, a + b];
    }
  });

  it('picks n from the seed', () => {
    expect(fib(createRandom(3))).toBe(fib(createRandom(3)));
    const values = new Set(Array.from({ length: 30 }, (_, seed) => fib(createRandom(seed))));
    expect(values.size).toBeGreaterThan(5);
  });
});
