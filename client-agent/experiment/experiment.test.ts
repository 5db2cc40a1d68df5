import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { InvalidParamError, parseKeyValues, resolveParams } from '../run/params';
import { createExperimentFile } from './create';
import { defineExperiment, type Experiment, InvalidExperimentError } from './define';
import { findExperiment, loadExperiments, UnknownExperimentError } from './registry';

const base = {
  name: 'probe',
  description: 'A probe.',
  functions: ['function1'],
  params: z.object({ calls: z.number().int().positive().default(10), gapS: z.number().min(0).default(60) }),
  quick: { params: { calls: 2 }, timeScale: 0.01, expectedDuration: '1s' },
  run: async () => undefined,
};

describe('Function: defineExperiment', () => {
  it('accepts a well-formed experiment', () => {
    expect(defineExperiment(base).name).toBe('probe');
  });

  it.each([
    [{ name: 'Cold_Start' }, 'kebab-case'],
    [{ description: ' ' }, 'description'],
    [{ quick: { ...base.quick, timeScale: 0 } }, 'timeScale'],
    [{ params: z.object({ calls: z.number() }) }, 'default'],
    [{ quick: { ...base.quick, params: { calls: -1 } } }, 'quick.params'],
  ])('refuses %j at load time', (change, message) => {
    expect(() => defineExperiment({ ...base, ...change } as never)).toThrow(InvalidExperimentError);
    expect(() => defineExperiment({ ...base, ...change } as never)).toThrow(message);
  });
});

describe('Function: resolveParams', () => {
  const experiment = defineExperiment(base) as unknown as Experiment;

  it('layers defaults, then the quick overrides, then the caller’s', () => {
    expect(resolveParams(experiment, { quick: false, overrides: {} })).toEqual({ calls: 10, gapS: 60 });
    expect(resolveParams(experiment, { quick: true, overrides: {} })).toEqual({ calls: 2, gapS: 60 });
    expect(resolveParams(experiment, { quick: true, overrides: { calls: 5 } })).toEqual({ calls: 5, gapS: 60 });
  });

  it('refuses unknown and invalid parameters naming them', () => {
    expect(() => resolveParams(experiment, { quick: false, overrides: { cals: 5 } })).toThrow(/no parameter cals; its parameters: calls, gapS/);
    expect(() => resolveParams(experiment, { quick: false, overrides: { calls: 'many' } })).toThrow(InvalidParamError);
    expect(() => resolveParams(experiment, { quick: false, overrides: { calls: 'many' } })).toThrow('parameter calls');
  });
});

describe('Function: parseKeyValues', () => {
  it('reads JSON values where they parse and strings otherwise', () => {
    expect(parseKeyValues(['calls=50', 'concurrency=[4,8]', 'function=function2', 'quick=true', 'note=a=b'], '--param')).toEqual({
      calls: 50,
      concurrency: [4, 8],
      function: 'function2',
      quick: true,
      note: 'a=b',
    });
    expect(() => parseKeyValues(['calls'], '--param')).toThrow('must be key=value');
  });
});

describe('Experiment registry and fb create-experiment', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('loads the built-in experiments', async () => {
    const names = (await loadExperiments()).map((experiment) => experiment.name);
    expect(names).toEqual(expect.arrayContaining(['coldstart-identifier', 'concurrency-benchmarking', 'linear-invocation']));
    await expect(findExperiment('no-such-thing')).rejects.toThrow(UnknownExperimentError);
    await expect(findExperiment('no-such-thing')).rejects.toThrow(/known: .*coldstart-identifier/);
  });

  it('writes a template that loads as a valid experiment with no other edit, and refuses to overwrite', async () => {
    const dir = mkdtempSync(join(__dirname, '..', '..', 'experiments', '.tmp-'));
    dirs.push(dir);
    const file = createExperimentFile('my-probe', dir);
    expect(readFileSync(file, 'utf8')).toContain("name: 'my-probe'");
    // The template imports ../client-agent/…: place it where experiments live, one level down here.
    writeFileSync(file, readFileSync(file, 'utf8').replaceAll("'../client-agent/", "'../../client-agent/"));
    const experiment = await findExperiment('my-probe', dir);
    expect(experiment.functions).toEqual(['function1']);
    expect(experiment.quick.timeScale).toBeGreaterThan(0);
    expect(() => createExperimentFile('my-probe', dir)).toThrow('already exists');
    expect(() => createExperimentFile('My_Probe', dir)).toThrow('kebab-case');
  });
});
