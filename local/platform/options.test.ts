import { describe, expect, it } from 'vitest';
import { formatDurationMs, InvalidDurationError, parseDurationMs } from './duration';
import { InvalidPlatformOptionsError, initDelayOfBundle, PROFILES, resolvePlatformSettings, scalingSettings } from './options';

describe('Function: parseDurationMs', () => {
  it.each([
    ['10m', 600_000],
    ['2h', 7_200_000],
    ['10s', 10_000],
    ['0s', 0],
    ['1.5s', 1500],
    ['250ms', 250],
    ['0', 0],
    [90, 90],
    ['596h', 2_145_600_000],
  ] as const)('reads %s as %d ms', (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms);
  });

  it.each(['', 'ten minutes', '5x', '-1s', '1d', 'm10', '5', '42', '600h', 2_147_483_648, -1])('refuses %j', (text) => {
    expect(() => parseDurationMs(text)).toThrow(InvalidDurationError);
  });

  it('says what is wrong: a missing unit, or a delay no timer can wait', () => {
    expect(() => parseDurationMs('5')).toThrow('duration "5" has no unit: write 5ms or 5s');
    expect(() => parseDurationMs('600h')).toThrow('longer than the 2147483647 ms (about 24.8 days) a timer can wait');
  });

  it('formats durations compactly for logs', () => {
    expect([250, 1500, 600_000, 7_200_000].map(formatDurationMs)).toEqual(['250ms', '1.5s', '10m', '2h']);
  });
});

describe('Function: resolvePlatformSettings', () => {
  it('sizes the default max instances from the machine\'s memory: half of it at 43 MiB per instance, 1 to 1000', () => {
    const GiB = 2 ** 30;
    const of = (totalMemoryBytes: number, input = {}) => resolvePlatformSettings(input, { totalMemoryBytes }).maxInstances;
    // 8 GiB × 0.5 / 43 MiB = 95.3; 24 GiB → 285.8; 96 GiB → 1143, capped.
    expect([of(8 * GiB), of(24 * GiB), of(96 * GiB), of(10 * 2 ** 20)]).toEqual([95, 285, 1000, 1]);
    // An explicit setting wins, below or above the sized default.
    expect([of(8 * GiB, { maxInstances: 3 }), of(8 * GiB, { maxInstances: 500 })]).toEqual([3, 500]);
  });

  it('takes the defaults of the issue and the Lambda-like profile', () => {
    expect(resolvePlatformSettings({}, { totalMemoryBytes: 256 * 2 ** 30 })).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      profile: 'lambda',
      idleTimeoutMs: 600_000,
      maxLifetimeMs: 7_200_000,
      maxInstances: 1000,
      concurrencyPerInstance: 1,
      scaleOutIntervalMs: 0,
      whenBusy: 'throttle',
      initDelayMs: 0,
      initDelayPerMbMs: 0,
      cpuShare: 1,
    });
  });

  it('takes a CPU share of one core and reports it among the settings in force', () => {
    expect(scalingSettings(resolvePlatformSettings({ cpuShare: 0.25 }))).toMatchObject({ cpuShare: 0.25 });
    expect(scalingSettings(resolvePlatformSettings())).toMatchObject({ cpuShare: 1 });
  });

  it('adds the per-MB init delay for each MB (2^20 bytes) of a bundle, on top of the init delay, and reports it', () => {
    const settings = resolvePlatformSettings({ initDelayMs: 200, initDelayPerMbMs: 1000 });
    expect(initDelayOfBundle(settings, 0)).toBe(200);
    expect(initDelayOfBundle(settings, 1024 * 1024)).toBe(1200);
    expect(initDelayOfBundle(settings, 1_304_329)).toBe(1444);
    expect(initDelayOfBundle(resolvePlatformSettings({ initDelayMs: 200 }), 1024 * 1024)).toBe(200);
    expect(scalingSettings(settings)).toMatchObject({ initDelayMs: 200, initDelayPerMbMs: 1000 });
  });

  it('applies a profile and lets explicit options override it', () => {
    expect(resolvePlatformSettings({ profile: 'azure' })).toMatchObject({ ...PROFILES.azure, profile: 'azure' });
    expect(resolvePlatformSettings({ profile: 'azure', concurrencyPerInstance: 4, scaleOutIntervalMs: 0 })).toMatchObject({
      concurrencyPerInstance: 4,
      scaleOutIntervalMs: 0,
      whenBusy: 'queue',
    });
  });

  it.each([
    [{ maxInstances: 0 }, 'maxInstances'],
    [{ profile: 'gcp' }, 'profile'],
    [{ idleTimeoutMs: -1 }, 'idleTimeoutMs'],
    [{ initDelayPerMbMs: -5 }, 'initDelayPerMbMs'],
    [{ cpuShare: 0 }, 'cpuShare: must be a fraction of one core'],
    [{ cpuShare: 1.5 }, 'cpuShare: must be a fraction of one core'],
    [{ cpuShare: -0.5 }, 'cpuShare'],
    [{ port: 70_000 }, 'port'],
    [{ idleTimout: 5 }, 'idleTimout'],
  ])('refuses %j naming %s', (options, field) => {
    expect(() => resolvePlatformSettings(options as never)).toThrow(InvalidPlatformOptionsError);
    expect(() => resolvePlatformSettings(options as never)).toThrow(field);
  });
});
