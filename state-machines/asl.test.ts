import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const validator = require('asl-validator') as (definition: unknown, options?: { checkPaths?: boolean; checkArn?: boolean }) => { isValid: boolean; errors: unknown[] };

const DIR = __dirname;
const ROOT = join(__dirname, '..');

/**
 * The error names Step Functions itself gives: `States.*`, and the Lambda service exceptions a
 * Lambda Task should retry (as AWS's Step Functions guide recommends for every Lambda Task).
 */
const BUILT_IN_ERRORS = new Set(['Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException']);

/**
 * The error names the project's code can fail a Task with: the `name` of every error class in the
 * programs behind the Tasks (a Lambda's error arrives named so), and the names the agent and the
 * local control plane fail a task token with.
 */
function thrownErrorNames(): Set<string> {
  const names = new Set<string>();
  const visit = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) visit(path);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
        const source = readFileSync(path, 'utf8');
        for (const pattern of [/\bname = '([A-Za-z][\w.]*)'/g, /\.failure\('([A-Za-z][\w.]*)'/g, /failAll\('([A-Za-z][\w.]*)'/g]) {
          for (const match of source.matchAll(pattern)) names.add(match[1] as string);
        }
      }
    }
  };
  for (const dir of ['lib', 'lambdas', 'local', 'client-agent']) visit(join(ROOT, dir));
  return names;
}

function errorEqualsNames(value: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const item of value) errorEqualsNames(item, found);
  else if (value && typeof value === 'object') {
    for (const [key, entry] of Object.entries(value)) {
      if (key === 'ErrorEquals') for (const name of entry as string[]) found.add(name);
      else errorEqualsNames(entry, found);
    }
  }
  return found;
}
const files = readdirSync(DIR).filter((file) => file.endsWith('.asl.json'));

/** Constructs the local interpreter ignores or gets wrong (aws-local-stepfunctions 3: see state-machines/README.md): never allowed here. */
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

  it('retries and catches only errors that something throws (or Step Functions and Lambda give)', () => {
    const thrown = thrownErrorNames();
    const matched = [...errorEqualsNames(parse())];
    expect(matched.length).toBeGreaterThan(0);
    const unknown = matched.filter((name) => !name.startsWith('States.') && !BUILT_IN_ERRORS.has(name) && !thrown.has(name));
    expect(unknown).toEqual([]);
  });

  it('gives every callback Task a heartbeat', () => {
    walkStates(definition.States, (name, state) => {
      if (typeof state.Resource === 'string' && state.Resource.endsWith('.waitForTaskToken')) {
        expect({ name, heartbeat: typeof state.HeartbeatSeconds }).toEqual({ name, heartbeat: 'number' });
      }
    });
  });
});
