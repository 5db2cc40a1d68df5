/**
 * Property-based fuzz test of the execution input check (ValidateInput's `validateRunInput`):
 * whatever the input (any JSON value; plausible inputs with real and made-up experiments,
 * platforms, parameters and platform options of any type), it resolves or rejects with one of the
 * named errors it documents (InvalidRunInputError and its kinds FunctionTimeoutLimitError and
 * FunctionMemoryLimitError, UnknownExperimentError, InvalidParamError),
 * which the state machine's Catch turns into a failed run; never anything else.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidParamError } from '../experiment/params';
import { listExperiments, UnknownExperimentError } from '../experiment/registry';
import { edgyNumber, fuzzJson, fuzzParameters, nastyString } from '../../test-support/fuzz';
import { InvalidRunInputError, PLATFORM_OPTION_KEYS, validateRunInput } from './run-input';

const NAMED_ERRORS = [InvalidRunInputError, UnknownExperimentError, InvalidParamError];

/** Validate; answers 'valid' or the named error's name, and lets any other error escape. */
async function verdict(input: unknown): Promise<string> {
  try {
    const validated = await validateRunInput(input);
    expect(validated.platforms.length).toBeGreaterThan(0);
    return 'valid';
  } catch (error) {
    if (NAMED_ERRORS.some((named) => error instanceof named)) return (error as Error).name;
    throw error;
  }
}

const experiments = listExperiments();
const experimentName = fc.oneof(fc.constantFrom(...experiments.map((experiment) => experiment.name)), nastyString);
const paramNames = [...new Set(experiments.flatMap((experiment) => Object.keys(experiment.params.shape)))];
const anyValue = fc.oneof(fuzzJson, edgyNumber, fc.nat({ max: 100 }), fc.boolean(), nastyString);

/** Inputs with the right keys, values of every sort. */
const plausible = fc.record(
  {
    experiment: fc.oneof(experimentName, anyValue),
    platforms: fc.oneof(fc.array(fc.oneof(fc.constantFrom('local', 'openfaas', 'aws-lambda', 'azure-functions'), nastyString), { maxLength: 4 }), anyValue),
    params: fc.oneof(fc.dictionary(fc.oneof(fc.constantFrom(...paramNames), nastyString), anyValue, { maxKeys: 4 }), anyValue),
    quick: fc.oneof(fc.boolean(), anyValue),
    platformOptions: fc.oneof(fc.dictionary(fc.oneof(fc.constantFrom(...PLATFORM_OPTION_KEYS), nastyString), anyValue, { maxKeys: 3 }), anyValue),
    unknownKey: anyValue,
  },
  { requiredKeys: ['experiment', 'platforms'] },
);

/** Inputs of the right shape (so the experiment and parameter checks are reached), values of any sort where it matters. */
const wellShaped = fc.record(
  {
    experiment: experimentName,
    platforms: fc.uniqueArray(fc.constantFrom('local', 'openfaas', 'aws-lambda', 'azure-functions', 'nowhere'), { minLength: 1, maxLength: 3 }),
    params: fc.dictionary(fc.oneof(fc.constantFrom(...paramNames), nastyString), anyValue, { maxKeys: 3 }),
    quick: fc.boolean(),
    platformOptions: fc.dictionary(fc.constantFrom(...PLATFORM_OPTION_KEYS), anyValue, { maxKeys: 2 }),
  },
  { requiredKeys: ['experiment', 'platforms'] },
);

describe.concurrent('Function: validateRunInput under fuzzing', () => {
  it('resolves any JSON value or rejects it with a named error', async () => {
    await fc.assert(
      fc.asyncProperty(fuzzJson, async (input) => {
        await verdict(input);
      }),
      fuzzParameters(300),
    );
  });

  it('resolves plausible inputs (real experiments, parameters and options of any type) or rejects them with a named error', async () => {
    const seen = new Set<string>();
    await fc.assert(
      fc.asyncProperty(fc.oneof(plausible, wellShaped, wellShaped), async (input) => {
        seen.add(await verdict(input));
      }),
      fuzzParameters(400),
    );
    // The fuzzing got past the schema to the experiment and parameter checks.
    expect([...seen]).toEqual(expect.arrayContaining(['InvalidRunInputError', 'UnknownExperimentError', 'InvalidParamError']));
  });
});
