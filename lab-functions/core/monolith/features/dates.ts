/**
 * `use_arrow`: the current time in UTC and in a local zone, through a full date library.
 *
 * The original embedded the Python `arrow` library's `Arrow` class and returned
 * `f'{utcnow()} | {now()}'` with the server's local zone. Here moment-timezone (with its full
 * zone database, which is the point: a large dependency loaded at cold start) formats the same
 * instant in UTC and in an IANA zone picked by the seed, since a function's local zone is UTC on
 * most FaaS platforms and would say nothing. The result depends on the clock; the zone is the only
 * seeded part.
 */
import moment from 'moment-timezone';

/** Zones the seed picks from: one per continent-ish, with and without daylight saving. */
export const ZONES = [
  'Europe/Copenhagen',
  'Europe/London',
  'America/New_York',
  'America/Los_Angeles',
  'America/Sao_Paulo',
  'Asia/Tokyo',
  'Asia/Kolkata',
  'Australia/Sydney',
  'Africa/Johannesburg',
  'Pacific/Auckland',
] as const;

const FORMAT = 'YYYY-MM-DDTHH:mm:ss.SSSZ';

export function pickZone(random: () => number): (typeof ZONES)[number] {
  return ZONES[Math.floor(random() * ZONES.length)] as (typeof ZONES)[number];
}

/** `<utc> | <local> <zone>`, e.g. `2024-05-01T12:00:00.000+00:00 | 2024-05-01T14:00:00.000+02:00 Europe/Copenhagen`. */
export function useArrow(random: () => number, nowMs: number = Date.now()): string {
  const zone = pickZone(random);
  return `${moment.utc(nowMs).format(FORMAT)} | ${moment.tz(nowMs, zone).format(FORMAT)} ${zone}`;
}
