/**
 * `fib`: the n-th Fibonacci number by Binet's closed form for a random n in [0, 20], as a float
 * (so e.g. 55.000000000000014, as the original's float arithmetic gave).
 *
 * Difference from the original Python: n comes from the seeded PRNG instead of Python's `random`.
 */
import { randomInt } from '../../random';

const SQRT5 = Math.sqrt(5);

/** Binet's formula: ((1 + √5)^n − (1 − √5)^n) / (2^n · √5). */
export function binet(n: number): number {
  return ((1 + SQRT5) ** n - (1 - SQRT5) ** n) / (2 ** n * SQRT5);
}

export function fib(random: () => number): number {
  return binet(randomInt(random, 0, 20));
}
