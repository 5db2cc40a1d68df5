import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const validator = require('asl-validator') as (definition: unknown, options?: { checkPaths?: boolean; checkArn?: boolean }) => { isValid: boolean; errors: unknown[] };

const DIR = __dirname;
const files = readdirSync(DIR).filter((file) => file.endsWith('.asl.json'));

/** Constructs the local interpreter ignores or gets wrong (toolchain notes): never allowed here. */
const FORBIDDEN_KEYS = ['QueryLanguage', 'Arguments', 'Output', 'Assign'];

function walkStates(states: Record<string, Record<string, unknown>>, visit: (name: string, state: Record<string, unknown>) => void): void {
  for (const [name, state] of Object.entries(states)) {
    visit(name, state);
    const processor = (state.ItemProcessor ?? state.Iterator) as { States: Record<string, Record<string, unknown>> } | undefined;
    if (processor) walkStates(processor.States, visit);
    for (const branch of (state.Branches ?? []) as { States: Record<string, Record<string, unknown>> }[]) walkStates(branch.States, visit);
  }
}

function keysDeep(value: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const item of value) keysDeep(item, found);
  else if (value && typeof value === 'object') {
    for (const [key, entry] of Object.entries(value)) {
      found.add(key);
      keysDeep(entry, found);
    }
  }
  return found;
}

describe.each(files)('State machine %s', (file) => {
  const text = readFileSync(join(DIR, file), 'utf8');
  // A fresh copy each time: asl-validator adds defaults (e.g. QueryLanguage) to what it checks.
  const parse = () => JSON.parse(text) as { States: Record<string, Record<string, unknown>> };
  const definition = parse();

  it('passes asl-validator once its placeholders are substituted, as CloudFormation does', () => {
    const substituted = JSON.parse(text.replace(/\$\{([A-Za-z0-9_]+)\}/g, 'arn:aws:lambda:eu-west-1:123456789012:function:$1'));
    expect(validator(substituted, { checkPaths: true, checkArn: true })).toMatchObject({ isValid: true, errors: [] });
  });

  it('uses JSONPath only: no JSONata, Arguments, Output or variables', () => {
    const keys = keysDeep(parse());
    expect(FORBIDDEN_KEYS.filter((key) => keys.has(key))).toEqual([]);
    expect(text).not.toMatch(/\{%/);
  });

  it('gives every Task an explicit TimeoutSeconds (the interpreter defaults to 60 s, AWS to a year)', () => {
    const missing: string[] = [];
    walkStates(definition.States, (name, state) => {
      if (state.Type === 'Task' && typeof state.TimeoutSeconds !== 'number') missing.push(name);
    });
    expect(missing).toEqual([]);
  });

  it('never relies on IsPresent/IsNull false, which the interpreter evaluates wrongly', () => {
    expect(text).not.toMatch(/"Is(Present|Null|String|Numeric|Boolean|Timestamp)"\s*:\s*false/);
  });

  it('gives every callback Task a heartbeat', () => {
    walkStates(definition.States, (name, state) => {
      if (typeof state.Resource === 'string' && state.Resource.endsWith('.waitForTaskToken')) {
        expect({ name, heartbeat: typeof state.HeartbeatSeconds }).toEqual({ name, heartbeat: 'number' });
      }
    });
  });
});
