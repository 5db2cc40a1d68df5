/**
 * Request bodies every lab function must answer with HTTP 400 (`{error:{type,message}}`), each
 * with the field its message must name. Shared by the core, adapter and platform tests.
 */
export interface BadInput {
  case: string;
  /** A JSON value, or raw text when `raw` is set. */
  body: unknown;
  raw?: boolean;
  /** Which function receives it. @default 'function1' */
  functionName?: string;
  /** A fragment the error message must contain. */
  mentions: string;
}

const chain = (depth: number): Record<string, unknown> => {
  let payload: Record<string, unknown> = {};
  for (let i = 0; i < depth; i++) payload = { invoke_nested: [{ function_name: 'function2', invoke_payload: payload }] };
  return payload;
};

/** The JSON text of a chain of `depth` nested calls, built without recursion. */
export function deepChainText(depth: number): string {
  return `${'{"invoke_nested":[{"function_name":"function2","invoke_payload":'.repeat(depth)}{}${'}]}'.repeat(depth)}`;
}

export const BAD_INPUTS: BadInput[] = [
  { case: 'body that is not JSON', body: '{"sleep": ', raw: true, mentions: 'JSON' },
  { case: 'body that is a JSON array', body: [1, 2], mentions: 'object' },
  { case: 'body that is a JSON string', body: 'sleep', mentions: 'object' },
  { case: 'negative sleep', body: { sleep: -1 }, mentions: 'sleep' },
  { case: 'sleep as a string', body: { sleep: '1' }, mentions: 'sleep' },
  { case: 'absurd sleep', body: { sleep: 100_000 }, mentions: 'sleep' },
  { case: 'negative throughput_time', body: { throughput_time: -0.5 }, mentions: 'throughput_time' },
  { case: 'absurd throughput_time', body: { throughput_time: 1e9 }, mentions: 'throughput_time' },
  { case: 'fractional level', body: { level: 1.5 }, mentions: 'level' },
  { case: 'negative level', body: { level: -1 }, mentions: 'level' },
  { case: 'empty parent', body: { parent: '' }, mentions: 'parent' },
  { case: 'invoke_nested that is not a list', body: { invoke_nested: { function_name: 'function2' } }, mentions: 'invoke_nested' },
  { case: 'nested call without a name', body: { invoke_nested: [{ invoke_payload: {} }] }, mentions: 'function_name' },
  { case: 'nested function name with a space', body: { invoke_nested: [{ function_name: 'function 2' }] }, mentions: 'function_name' },
  {
    case: 'fan-out wider than 16',
    body: { invoke_nested: Array.from({ length: 17 }, () => ({ function_name: 'function2' })) },
    mentions: 'invoke_nested',
  },
  { case: 'nesting deeper than 8 levels', body: chain(9), mentions: 'nesting deeper' },
  // Deep enough to overflow a recursive validator's stack (3.4 MB, under the 6 MB body limit);
  // raw text, as JSON.stringify itself overflows on it.
  { case: 'nesting 50,000 levels deep', body: deepChainText(50_000), raw: true, mentions: 'nesting deeper' },
  { case: 'bad value deep in the tree', body: { invoke_nested: [{ function_name: 'function2', invoke_payload: { sleep: -3 } }] }, mentions: 'invoke_payload.sleep' },
  { case: 'run_function on a plain function', body: { run_function: 'fib', seed: 1 }, mentions: 'monolith' },
  { case: 'unknown run_function', body: { run_function: 'mine_bitcoin', seed: 1 }, functionName: 'monolith', mentions: 'run_function' },
  { case: 'run_function without a seed', body: { run_function: 'fib' }, functionName: 'monolith', mentions: 'seed' },
  { case: 'args beyond the feature bound', body: { run_function: 'matrix_mult', seed: 1, args: 100_000 }, functionName: 'monolith', mentions: 'args' },
  { case: 'negative seed', body: { run_function: 'fib', seed: -1 }, functionName: 'monolith', mentions: 'seed' },
];

/** The raw request text for a bad input. */
export function badInputText(input: BadInput): string {
  return input.raw ? String(input.body) : JSON.stringify(input.body);
}
