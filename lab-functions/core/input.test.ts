import { describe, expect, it } from 'vitest';
import { BAD_INPUTS, deepChainText } from './bad-inputs';
import { InvalidInputError } from './errors';
import { isMonolithName, parseLabInput } from './input';
import { LIMITS } from './limits';

describe('Function: parseLabInput', () => {
  const parse = (body: unknown, functionName = 'function1') => parseLabInput(body, { functionName, isMonolith: isMonolithName(functionName) });

  it.each(BAD_INPUTS.filter((input) => !input.raw))('rejects $case naming the field', (input) => {
    const attempt = () => parse(input.body, input.functionName);
    expect(attempt).toThrow(InvalidInputError);
    expect(attempt).toThrow(input.mentions);
  });

  it.each([9, 5_000, 50_000])('rejects a chain %i calls deep with the same error, without recursing into it', (depth) => {
    const attempt = () => parse(JSON.parse(deepChainText(depth)));
    expect(attempt).toThrow(InvalidInputError);
    expect(attempt).toThrow(`nesting deeper than ${LIMITS.maxNestingLevel} levels`);
  });

  it('still accepts a chain exactly as deep as the limit', () => {
    expect(parse(JSON.parse(deepChainText(LIMITS.maxNestingLevel))).input.invoke_nested).toHaveLength(1);
  });

  it('accepts an empty body as a request for no work, at level 0 under root', () => {
    for (const body of [undefined, null, '', {}]) {
      expect(parse(body)).toEqual({ input: {}, level: 0, parent: 'root' });
    }
  });

  it('stores one level more than the caller sent, as the original did', () => {
    expect(parse({ parent: 'function1-abc', level: 0 }).level).toBe(1);
    expect(parse({ parent: 'function2-abc', level: 2 }).level).toBe(3);
  });

  it('ignores unknown fields such as the StatusCode of the original examples', () => {
    expect(parse({ StatusCode: 200, sleep: 0.5 }).input).toEqual({ sleep: 0.5 });
  });

  it('accepts nesting exactly at the documented depth bound and rejects one more', () => {
    const chain = (depth: number) => {
      let payload: Record<string, unknown> = {};
      for (let i = 0; i < depth; i++) payload = { invoke_nested: [{ function_name: 'function2', invoke_payload: payload }] };
      return payload;
    };
    expect(() => parse(chain(LIMITS.maxNestingLevel))).not.toThrow();
    expect(() => parse(chain(LIMITS.maxNestingLevel + 1))).toThrow(InvalidInputError);
    // A callee at the deepest level (its caller sent level 7, so it is level 8) may not nest again.
    expect(() => parse({ level: LIMITS.maxNestingLevel - 1, invoke_nested: [{ function_name: 'function3' }] })).toThrow('nesting deeper');
  });

  it('bounds the total number of nested calls in one tree', () => {
    const wide = (n: number) => Array.from({ length: n }, () => ({ function_name: 'function3' }));
    const tree = { invoke_nested: wide(16).map((call) => ({ ...call, invoke_payload: { invoke_nested: wide(16) } })) };
    expect(() => parse(tree)).toThrow(`more than ${LIMITS.maxNestedCallsTotal} nested calls`);
  });

  it('checks monolith fields of nested payloads by the callee, not the caller', () => {
    const body = { invoke_nested: [{ function_name: 'exp1-monolith', invoke_payload: { run_function: 'fib', seed: 3 } }] };
    expect(() => parse(body)).not.toThrow();
    const noSeed = { invoke_nested: [{ function_name: 'monolith', invoke_payload: { run_function: 'fib' } }] };
    expect(() => parse(noSeed)).toThrow('invoke_payload.seed');
  });

  it('checks args of run_function random against the feature the seed picks', () => {
    expect(() => parse({ run_function: 'random', seed: 7, args: 5 }, 'monolith')).not.toThrow();
    expect(() => parse({ run_function: 'random', seed: 7, args: 50_000_000 }, 'monolith')).toThrow('args');
  });
});
