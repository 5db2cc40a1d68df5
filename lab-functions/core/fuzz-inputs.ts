/**
 * Shared settings and generators of the property-based (fast-check) fuzz tests, for tests only
 * (as ./bad-inputs.ts; here because lab-functions/ imports nothing from outside it, and the other
 * fuzz tests take them through test-support/fuzz.ts). The seed is fixed,
 * so a run is reproducible and CI never meets a new case by chance; fast-check prints the seed and
 * the shrunk counterexample path on failure (pass them back as `{ seed, path }` to replay one).
 */
import fc from 'fast-check';

/** The seed every fuzz test runs with. */
export const FUZZ_SEED = 0x5eed_f22;

/** `fc.assert` parameters: the fixed seed and `numRuns` cases, reported verbosely on failure. */
export function fuzzParameters(numRuns: number): fc.Parameters<unknown> {
  return { seed: FUZZ_SEED, numRuns, verbose: fc.VerbosityLevel.Verbose, endOnFailure: true };
}

/** Strings full of what breaks parsers and logs: escapes, quotes, NUL, lone surrogates, `%` runs, long runs. */
export const nastyString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom('', '\\', '\\u0000', '\u0000', '"', "'", '%', '%zz', '%E0%A4%A', '\ud800', '\udfff', '../..', '__proto__', 'constructor', '$'.concat('{x}'), '\r\n', '\u2028', 'null'),
  fc.nat({ max: 70_000 }).map((length) => 'x'.repeat(length)),
);

/** Numbers at and past every edge: huge, tiny, negative zero, fractions, the largest doubles, NaN and infinities (which JSON cannot carry). */
export const edgyNumber: fc.Arbitrary<number> = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(0, -0, 1, -1, 0.5, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 1e308, -1e308, Number.MAX_VALUE, Number.MIN_VALUE, Number.EPSILON, 1e-320),
);

/** Any JSON-ish value, with nasty strings and edgy numbers, deep or wide. */
export const fuzzJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    edgyNumber,
    nastyString,
    fc.array(tie('value'), { maxLength: 6 }),
    fc.dictionary(nastyString, tie('value'), { maxKeys: 6 }),
  ),
})).value;

/** A value nested `depth` levels deep in arrays or objects (deep inputs without recursion limits of the generator). */
export const deepJson: fc.Arbitrary<unknown> = fc.tuple(fc.nat({ max: 5_000 }), fc.boolean(), fuzzJson).map(([depth, arrays, leaf]) => {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = arrays ? [value] : { nested: value };
  return value;
});

/** An object with up to `maxKeys` keys: wide inputs. */
export const wideJson: fc.Arbitrary<unknown> = fc.nat({ max: 5_000 }).map((width) => Object.fromEntries(Array.from({ length: width }, (_, i) => [`k${i}`, i % 3 ? 'v' : i])));

/** JSON text gone wrong: truncated, with a byte flipped, doubled, or not JSON at all. */
export function brokenJsonText(valid: fc.Arbitrary<unknown>): fc.Arbitrary<string> {
  const text = valid.map((value) => JSON.stringify(value) ?? 'null');
  return fc.oneof(
    fc.tuple(text, fc.nat()).map(([json, cut]) => json.slice(0, json.length ? cut % json.length : 0)),
    fc.tuple(text, fc.nat(), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })).map(([json, at, char]) => {
      const index = json.length ? at % json.length : 0;
      return `${json.slice(0, index)}${char}${json.slice(index + 1)}`;
    }),
    text.map((json) => `${json}${json}`),
    nastyString,
    fc.constantFrom('{', '[', '{"a":', '{"sleep":1e999}', '{"sleep":-0}', '\ufeff{}', '{"__proto__":{"sleep":5}}', '[1,2', 'undefined', 'NaN', '{"a":1,}'),
  );
}
