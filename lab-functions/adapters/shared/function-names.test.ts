import { describe, expect, it } from 'vitest';
import { deployedFunctionName } from './function-names';

describe('deployedFunctionName', () => {
  const plain = { names: {}, prefix: '' };
  const prefixed = { names: {}, prefix: 'fb-3f2a9c1d-' };
  const mapped = { names: { function2: 'https://example.test/api/function2' }, prefix: 'fb-3f2a9c1d-' };

  it.each([
    [plain, 'function2', 'function2'],
    [plain, 'simple-cold-function-nested-function2', 'function2'],
    [plain, 'coldstart-identifier-nested-function3', 'function3'],
    [plain, 'exp1-monolith', 'monolith'],
    [plain, 'my-own-function', 'my-own-function'],
    [prefixed, 'function2', 'fb-3f2a9c1d-function2'],
    [prefixed, 'fb-3f2a9c1d-function2', 'fb-3f2a9c1d-function2'],
    [prefixed, 'weakest-link-function3', 'fb-3f2a9c1d-function3'],
    [mapped, 'function2', 'https://example.test/api/function2'],
    [mapped, 'coldstart-identifier-nested-function2', 'https://example.test/api/function2'],
    [mapped, 'function3', 'fb-3f2a9c1d-function3'],
  ])('%j: %s → %s', (config, requested, deployed) => {
    expect(deployedFunctionName(config, requested)).toBe(deployed);
  });
});
