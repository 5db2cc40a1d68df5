import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CATALOG_FILE, EXPERIMENTS_DIR, experimentFileNames, renderCatalog, syncExperimentCatalog } from './catalog-file';
import { defineExperiment, type Experiment, InvalidExperimentError } from './define';
import { InvalidParamError, parseKeyValues, resolveParams } from './params';
import { findExperiment, listExperiments, UnknownExperimentError } from './registry';

const base = {
  name: 'probe',
  description: 'A probe.',
  functions: ['function1'],
  params: z.object({ calls: z.number().int().positive().default(10), gapSeconds: z.number().min(0).default(60) }),
  quick: { params: { calls: 2 }, timeScale: 0.01, expectedDuration: '1s' },
  run: async () => undefined,
};

describe('Function: defineExperiment', () => {
  it('accepts a well-formed experiment', () => {
    expect(defineExperiment(base).name).toBe('probe');
  });

  it('accepts a cold-time experiment that declares the optional coldTimeSeconds', () => {
    const params = z.object({ calls: z.number().default(1), coldTimeSeconds: z.number().positive().optional() });
    expect(defineExperiment({ ...base, params, coldTime: { function: 'function1', defaultSeconds: 1200 } }).coldTime).toEqual({ function: 'function1', defaultSeconds: 1200 });
  });

  it('accepts the client machine an experiment needs, and a full run\'s expected duration', () => {
    const declared = defineExperiment({ ...base, client: { ec2InstanceType: 'm5.xlarge', azureVmSize: 'Standard_D4_v3' }, expectedDuration: '2h 30m' });
    expect(declared.client).toEqual({ ec2InstanceType: 'm5.xlarge', azureVmSize: 'Standard_D4_v3' });
    expect(defineExperiment({ ...base, client: { azureVmSize: 'Standard_D4_v3' } }).client).toEqual({ azureVmSize: 'Standard_D4_v3' });
  });

  it.each([
    [{ client: { ec2InstanceType: 'M5.XLARGE' } }, 'client.ec2InstanceType'],
    [{ client: { ec2InstanceType: 'm5.xlarge; reboot' } }, 'client.ec2InstanceType'],
    [{ client: { azureVmSize: 'D4_v3' } }, 'client.azureVmSize'],
    [{ client: { azureVmSize: `Standard_${'D'.repeat(80)}` } }, 'client.azureVmSize'],
    [{ client: { gcpMachineType: 'e2-small' } }, 'client'],
    [{ expectedDuration: 'ten hours' }, 'expectedDuration'],
    [{ name: 'Cold_Start' }, 'kebab-case'],
    [{ description: ' ' }, 'description'],
    [{ quick: { ...base.quick, timeScale: 0 } }, 'timeScale'],
    [{ params: z.object({ calls: z.number() }) }, 'default'],
    [{ quick: { ...base.quick, params: { calls: -1 } } }, 'quick.params'],
    [{ coldTime: { function: 'function1', defaultSeconds: 1200 } }, 'coldTimeSeconds'],
    [{ coldTime: { function: 'function1', defaultSeconds: 0 }, params: z.object({ coldTimeSeconds: z.number().positive().optional() }) }, 'defaultSeconds'],
  ])('refuses %j at load time', (change, message) => {
    expect(() => defineExperiment({ ...base, ...change } as never)).toThrow(InvalidExperimentError);
    expect(() => defineExperiment({ ...base, ...change } as never)).toThrow(message);
  });
});

describe('Function: resolveParams', () => {
  const experiment = defineExperiment(base) as unknown as Experiment;

  it('layers defaults, then the quick overrides, then the caller’s', () => {
    expect(resolveParams(experiment, { quick: false, overrides: {} })).toEqual({ calls: 10, gapSeconds: 60 });
    expect(resolveParams(experiment, { quick: true, overrides: {} })).toEqual({ calls: 2, gapSeconds: 60 });
    expect(resolveParams(experiment, { quick: true, overrides: { calls: 5 } })).toEqual({ calls: 5, gapSeconds: 60 });
  });

  it('refuses unknown and invalid parameters naming them', () => {
    expect(() => resolveParams(experiment, { quick: false, overrides: { cals: 5 } })).toThrow(/no parameter cals; its parameters: calls, gapSeconds/);
    expect(() => resolveParams(experiment, { quick: false, overrides: { calls: 'many' } })).toThrow(InvalidParamError);
    expect(() => resolveParams(experiment, { quick: false, overrides: { calls: 'many' } })).toThrow('parameter calls');
  });
});

describe('Function: resolveParams with coldTimeS', () => {
  const params = z.object({ calls: z.number().default(1), coldTimeSeconds: z.number().positive().optional() });
  const coldTimed = defineExperiment({ ...base, params, coldTime: { function: 'function1', defaultSeconds: 1200 } }) as unknown as Experiment;

  it('takes coldTimeS as coldTimeSeconds where the experiment waits one cold time, and refuses both at once', () => {
    expect(resolveParams(coldTimed, { quick: false, overrides: { coldTimeS: 90 } })).toEqual({ calls: 1, coldTimeSeconds: 90 });
    expect(() => resolveParams(coldTimed, { quick: false, overrides: { coldTimeS: 90, coldTimeSeconds: 80 } })).toThrow(/not both/);
    expect(() => resolveParams(coldTimed, { quick: false, overrides: { coldTimeS: -1 } })).toThrow(/coldTimeSeconds/);
  });

  it('refuses coldTimeS where there is no cold time to set', () => {
    expect(() => resolveParams(defineExperiment(base) as unknown as Experiment, { quick: false, overrides: { coldTimeS: 90 } })).toThrow(/no parameter coldTimeS/);
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

describe('Experiment catalog and registry', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('is current: the catalog lists exactly the files in experiments/', () => {
    expect(readFileSync(CATALOG_FILE, 'utf8')).toBe(renderCatalog(experimentFileNames(EXPERIMENTS_DIR)));
  });

  it('finds the built-in experiments by name, and names the known ones for an unknown name', () => {
    const names = listExperiments().map((experiment) => experiment.name);
    expect(names).toEqual(expect.arrayContaining(['coldstart-identifier', 'concurrency-benchmarking', 'linear-invocation']));
    expect(findExperiment('linear-invocation').functions).toEqual(['function1', 'function2', 'function3', 'monolith']);
    expect(() => findExperiment('no-such-thing')).toThrow(UnknownExperimentError);
    expect(() => findExperiment('no-such-thing')).toThrow(/known: .*coldstart-identifier/);
  });

  it('regenerates the catalog when a file is added or removed, and only then', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fb-catalog-'));
    const catalogDir = mkdtempSync(join(tmpdir(), 'fb-catalog-out-'));
    dirs.push(dir, catalogDir);
    const catalogFile = join(catalogDir, 'catalog.ts');
    writeFileSync(join(dir, 'alpha-probe.ts'), '');
    writeFileSync(join(dir, 'alpha-probe.test.ts'), '');
    writeFileSync(join(dir, '_helpers.ts'), '');
    expect(syncExperimentCatalog({ dir, catalogFile })).toBe(true);
    expect(syncExperimentCatalog({ dir, catalogFile })).toBe(false);
    expect(readFileSync(catalogFile, 'utf8')).toContain("['alpha-probe', alphaProbe as unknown as Experiment]");
    writeFileSync(join(dir, 'beta2-probe.ts'), '');
    expect(syncExperimentCatalog({ dir, catalogFile })).toBe(true);
    expect(readFileSync(catalogFile, 'utf8')).toContain("import beta2Probe from '../../experiments/beta2-probe';");
    expect(syncExperimentCatalog({ dir, catalogFile, without: ['beta2-probe'] })).toBe(true);
    expect(readFileSync(catalogFile, 'utf8')).not.toContain('beta2');
  });

  it('refuses an experiment file whose name is not an experiment name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fb-catalog-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'Cold_Start.ts'), '');
    expect(() => experimentFileNames(dir)).toThrow(InvalidExperimentError);
    expect(() => experimentFileNames(dir)).toThrow('experiments/Cold_Start.ts');
  });
});
