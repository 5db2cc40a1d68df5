/**
 * Property-based fuzz test of the lab-function input validator: whatever the request body is
 * (any JSON value, deep or wide, strings with escapes, huge numbers, every known field of a wrong
 * type or out of range, JSON text gone wrong), `parseLabInput` either returns a parse within the
 * documented bounds or throws InvalidInputError (an adapter's 400); it never throws anything else
 * (which an adapter would answer with 500 or a crash).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { brokenJsonText, deepJson, edgyNumber, fuzzJson, fuzzParameters, nastyString, wideJson } from './fuzz-inputs';
import { InvalidInputError } from './errors';
import { isMonolithName, parseLabInput } from './input';
import { LIMITS } from './limits';
import { RUN_FUNCTION_VALUES } from './monolith/catalog';

const FUNCTIONS = ['function1', 'monolith', 'exp-monolith', 'function2'];

/** Parse as an adapter does; answers 'parsed' or 'invalid', and lets any other error escape. */
function verdict(body: unknown, functionName: string): 'parsed' | 'invalid' {
  try {
    const parsed = parseLabInput(body, { functionName, isMonolith: isMonolithName(functionName) });
    // A parse is within the documented bounds.
    expect(parsed.level).toBeGreaterThanOrEqual(0);
    expect(parsed.level).toBeLessThanOrEqual(LIMITS.maxNestingLevel);
    expect(typeof parsed.parent).toBe('string');
    if (parsed.input.sleep !== undefined) expect(parsed.input.sleep).toBeLessThanOrEqual(LIMITS.maxSleepSec);
    return 'parsed';
  } catch (error) {
    if (error instanceof InvalidInputError) return 'invalid';
    throw error;
  }
}

/** A value of each known field's wrong type, or out of its range. */
const wrongValue = fc.oneof(
  nastyString,
  edgyNumber,
  fc.boolean(),
  fc.constant(null),
  fc.array(fuzzJson, { maxLength: 4 }),
  fc.dictionary(nastyString, fuzzJson, { maxKeys: 4 }),
  fc.constantFrom(-1, LIMITS.maxSleepSec + 1, LIMITS.maxSeed + 1, LIMITS.maxNestingLevel, 0.5, 'random', 'sleep'),
);
const KNOWN_FIELDS = ['sleep', 'throughput_time', 'invoke_nested', 'parent', 'level', 'run_function', 'args', 'seed'] as const;
const wrongFields = fc.record(Object.fromEntries(KNOWN_FIELDS.map((field) => [field, wrongValue])), { requiredKeys: [] });

/** Plausible requests: right field names and types, nested calls, values near the edges. */
const plausible: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  input: fc.record(
    {
      sleep: fc.oneof(edgyNumber, fc.constantFrom(0, 0.001, LIMITS.maxSleepSec)),
      throughput_time: edgyNumber,
      level: fc.integer({ min: -2, max: LIMITS.maxNestingLevel + 1 }),
      parent: nastyString,
      run_function: fc.oneof(fc.constantFrom(...RUN_FUNCTION_VALUES), nastyString),
      args: edgyNumber,
      seed: fc.oneof(edgyNumber, fc.nat()),
      invoke_nested: fc.array(
        fc.record({ function_name: fc.oneof(fc.constantFrom(...FUNCTIONS), nastyString), invoke_payload: tie('input') }, { requiredKeys: ['function_name'] }),
        { maxLength: 3 },
      ),
    },
    { requiredKeys: [] },
  ),
})).input;

describe.concurrent('Function: parseLabInput under fuzzing', () => {
  it('answers any JSON value with a parse or InvalidInputError', () => {
    fc.assert(
      fc.property(fc.oneof(fuzzJson, deepJson, wideJson), fc.constantFrom(...FUNCTIONS), (body, name) => {
        verdict(body, name);
      }),
      fuzzParameters(400),
    );
  });

  it('answers every known field of a wrong type or out of range with InvalidInputError', () => {
    fc.assert(
      fc.property(wrongFields.filter((body) => Object.keys(body).length > 0), (body) => {
        // Each field's value is wrong for it (a parse would only be possible for `level` or `args`, whose ints may fit).
        const result = verdict(body, 'monolith');
        if (result === 'parsed') expect(Object.keys(body).every((key) => key === 'level' || key === 'args' || key === 'seed' || key === 'parent')).toBe(true);
      }),
      fuzzParameters(400),
    );
  });

  it('answers plausible requests, nested calls included, with a parse or InvalidInputError', () => {
    fc.assert(
      fc.property(plausible, fc.constantFrom(...FUNCTIONS), (body, name) => {
        verdict(body, name);
      }),
      fuzzParameters(400),
    );
  });

  it('answers what JSON.parse makes of broken text, when it parses at all, the same way', () => {
    fc.assert(
      fc.property(brokenJsonText(fc.oneof(plausible, fuzzJson)), (text) => {
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          return; // the adapters answer unparsable text with 400 before validation
        }
        verdict(body, 'function1');
      }),
      fuzzParameters(300),
    );
  });
});
