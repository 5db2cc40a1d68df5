/**
 * The sweeper's one rule for tagged cloud resources: removable only with a run tag and an expiry
 * that parses and has passed. Tags hold the expiry as ISO 8601 UTC, OpenFaaS labels as epoch seconds.
 */
import type { SweepItem, SweptKind } from './sweep';

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/;
const EPOCH_SECONDS = /^\d{1,12}$/;

/** How a resource's expiry is written. */
export type ExpiryFormat = 'iso' | 'epoch-seconds';

/** A resource's identity and its run and expiry tags (or labels), as found. */
export interface TaggedResource {
  kind: SweptKind;
  id: string;
  runTag: string | undefined;
  expiresTag: string | undefined;
}

/** The expiry as epoch milliseconds, or undefined when it does not parse. */
export function parseExpiry(value: string, format: ExpiryFormat): number | undefined {
  const pattern = format === 'iso' ? ISO_UTC : EPOCH_SECONDS;
  if (!pattern.test(value)) return undefined;
  const ms = format === 'iso' ? Date.parse(value) : Number(value) * 1000;
  return Number.isFinite(ms) ? ms : undefined;
}

/** Judge one tagged resource at `nowMs` (see the file comment). */
export function judgeExpiry(resource: TaggedResource, format: ExpiryFormat, nowMs: number): SweepItem {
  const { kind, id, runTag, expiresTag } = resource;
  const base = { kind, id, ...(runTag ? { runId: runTag } : {}) };
  if (!runTag) return { ...base, remove: false, why: 'no run tag' };
  if (expiresTag === undefined) return { ...base, remove: false, why: 'no expiry tag' };
  const expiresMs = parseExpiry(expiresTag, format);
  if (expiresMs === undefined) return { ...base, remove: false, why: `malformed expiry tag ${JSON.stringify(expiresTag)}` };
  const expiresAt = new Date(expiresMs).toISOString();
  if (expiresMs > nowMs) return { ...base, remove: false, why: `expires at ${expiresAt}` };
  return { ...base, remove: true, why: `expired at ${expiresAt}`, expiredAt: expiresAt };
}
