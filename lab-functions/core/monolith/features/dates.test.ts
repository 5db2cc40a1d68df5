import { describe, expect, it } from 'vitest';
import { createRandom } from '../../random';
import moment from 'moment-timezone';
import { pickZone, useArrow, ZONES } from './dates';

describe('use_arrow', () => {
  it('formats one instant in UTC and in the seeded zone', () => {
    const instant = Date.UTC(2024, 6, 1, 12, 30, 0, 250);
    const zone = pickZone(createRandom(4));
    const text = useArrow(createRandom(4), instant);
    expect(text.startsWith('2024-07-01T12:30:00.250+00:00 | ')).toBe(true);
    expect(text.endsWith(` ${zone}`)).toBe(true);
    expect(text.length).toBeLessThanOrEqual(100);
  });

  it('applies the zone offset (daylight saving included)', () => {
    const instant = Date.UTC(2024, 6, 1, 12, 0, 0);
    const seed = Array.from({ length: 200 }, (_, s) => s).find((s) => pickZone(createRandom(s)) === 'Europe/Copenhagen');
    expect(seed).toBeDefined();
    expect(useArrow(createRandom(seed ?? 0), instant)).toBe('2024-07-01T12:00:00.000+00:00 | 2024-07-01T14:00:00.000+02:00 Europe/Copenhagen');
  });

  it('picks only zones the bundled database knows, and each of them for some seed', () => {
    for (const zone of ZONES) expect(moment.tz.zone(zone)?.name).toBe(zone);
    const picked = new Set(Array.from({ length: 200 }, (_, seed) => pickZone(createRandom(seed))));
    expect(picked.size).toBe(ZONES.length);
  });
});
