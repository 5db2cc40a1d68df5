import { describe, expect, it } from 'vitest';
import { expectedDurationMs } from './expected-duration';

describe('Function: expectedDurationMs', () => {
  it.each([
    ['15s', 15_000],
    ['500ms', 500],
    ['2m30s', 150_000],
    ['1h 30m', 5_400_000],
    ['1.5h', 5_400_000],
    [' 3m ', 180_000],
  ])('reads %j as %i ms', (text, ms) => {
    expect(expectedDurationMs(text)).toBe(ms);
  });

  it.each([['about a minute'], ['15'], ['~30s'], ['30 seconds'], ['']])('has no figure for %j', (text) => {
    expect(expectedDurationMs(text)).toBeUndefined();
  });

  it('reads every quick duration the catalog declares', async () => {
    const { listExperiments } = await import('./registry');
    for (const experiment of listExperiments()) expect({ name: experiment.name, ms: expectedDurationMs(experiment.quick.expectedDuration) }).toEqual({ name: experiment.name, ms: expect.any(Number) });
  });
});
