/**
 * The fuzz tests' seed and generators (lab-functions/core/fuzz-inputs.ts, kept there because the
 * lab functions' own tests may import nothing from outside lab-functions/).
 */
export { brokenJsonText, deepJson, edgyNumber, FUZZ_SEED, fuzzJson, fuzzParameters, nastyString, wideJson } from '../lab-functions/core/fuzz-inputs';
