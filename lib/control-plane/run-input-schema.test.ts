import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PLATFORM_OPTION_KEYS, validateRunInput } from './run-input';
import { platformOptionsContract, RUN_INPUT_SCHEMA_ID, RUN_INPUT_SCHEMA_PATH, runInputContract, runInputJsonSchema, runInputJsonSchemaText } from './run-input-schema';

const ROOT = join(__dirname, '..', '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/** The named JSON examples of a markdown file: fenced blocks opened with "```json <name>". */
function jsonExamples(path: string): [string, unknown][] {
  return [...read(path).matchAll(/```json ([\w.-]+)\n([\s\S]*?)```/g)].map((match) => [`${path} ${match[1]}`, JSON.parse(match[2] as string)]);
}

type JsonSchemaNode = { description?: string; properties?: Record<string, JsonSchemaNode> };

/** Dotted paths of every property of a JSON Schema object that carries no description. */
function undescribed(node: JsonSchemaNode, path = ''): string[] {
  return Object.entries(node.properties ?? {}).flatMap(([key, child]) => [...(child.description ? [] : [`${path}${key}`]), ...undescribed(child, `${path}${key}.`)]);
}

const examples = [...jsonExamples('README.md'), ...jsonExamples('docs/run-input.md')];

const wrongInputs: [string, unknown][] = [
  ['no experiment', { platforms: ['local'] }],
  ['no platform', { experiment: 'linear-invocation', platforms: [] }],
  ['an unknown platform', { experiment: 'linear-invocation', platforms: ['lambda'] }],
  ['a key the input does not have', { experiment: 'linear-invocation', platforms: ['local'], $schema: 'state-machines/run-input.schema.json' }],
  ['quick as a string', { experiment: 'linear-invocation', platforms: ['local'], quick: 'yes' }],
  ['a local platform process setting', { experiment: 'linear-invocation', platforms: ['local'], platformOptions: { host: '0.0.0.0' } }],
  ['an option no platform reads', { experiment: 'linear-invocation', platforms: ['aws-lambda'], platformOptions: { memoryMB: 512 } }],
  ['a malformed client size', { experiment: 'linear-invocation', platforms: ['aws-lambda'], platformOptions: { clientVmSize: 'Standard D4' } }],
];

describe.concurrent('run input JSON Schema (state-machines/run-input.schema.json)', () => {
  it('is the checked-in file, byte for byte', () => {
    const checkedIn = read(RUN_INPUT_SCHEMA_PATH);
    expect(checkedIn === runInputJsonSchemaText(), `${RUN_INPUT_SCHEMA_PATH} is out of date: run \`npm run schema\` and commit it`).toBe(true);
  });

  it('is draft 2020-12 with an $id, a title and a description on every field', () => {
    const schema = runInputJsonSchema();
    expect(schema).toMatchObject({ $schema: 'https://json-schema.org/draft/2020-12/schema', $id: RUN_INPUT_SCHEMA_ID, title: expect.any(String), additionalProperties: false });
    expect(undescribed(schema as JsonSchemaNode)).toEqual([]);
  });

  it('publishes exactly the platformOptions keys ValidateInput accepts', () => {
    expect(Object.keys(platformOptionsContract.shape).sort()).toEqual([...PLATFORM_OPTION_KEYS].sort());
  });

  it('names every platformOptions key in docs/run-input.md', () => {
    const docs = read('docs/run-input.md');
    const keys = Object.keys(platformOptionsContract.shape);
    expect(keys.length).toBeGreaterThan(10);
    expect(keys.filter((key) => !docs.includes(`| \`${key}\` |`))).toEqual([]);
  });

  it('has examples to check: the README run.json and each one in docs/run-input.md', () => {
    expect(examples.map(([name]) => name)).toEqual(expect.arrayContaining(['README.md run.json', 'docs/run-input.md run-deployed-multi', 'docs/run-input.md run-local-options']));
  });

  it.each(examples)('accepts %s by the contract and by ValidateInput', async (_name, input) => {
    expect(runInputContract.safeParse(input).error).toBeUndefined();
    const validated = await validateRunInput(input);
    expect(validated.platforms).toEqual((input as { platforms: string[] }).platforms);
  });

  it.each(wrongInputs)('refuses %s by the contract and by ValidateInput', async (_name, input) => {
    expect(runInputContract.safeParse(input).success).toBe(false);
    await expect(validateRunInput(input)).rejects.toThrow(expect.objectContaining({ name: 'InvalidRunInputError' }));
  });

  it('shows a local default without applying it, so a quick profile still sets what the run leaves out', () => {
    const parsed = runInputContract.parse({ experiment: 'linear-invocation', platforms: ['local'], platformOptions: { cpuShare: 0.5 } });
    expect(parsed.platformOptions).toEqual({ cpuShare: 0.5 });
    const idle = (runInputJsonSchema().properties as Record<string, JsonSchemaNode & { properties: Record<string, { default?: unknown }> }>).platformOptions?.properties.idleTimeoutMs;
    expect(idle?.default).toBe(600_000);
  });
});
