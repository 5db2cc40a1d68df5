import { describe, expect, it } from 'vitest';
import { splitColdWarm } from './cold-warm';
import { latencyMsOf } from './invocation-latency';

describe('Function: splitColdWarm', () => {
  it('splits by the record’s own flag and keeps rows without one apart', () => {
    const rows = [{ cold: true, id: 1 }, { cold: false, id: 2 }, { cold: null, id: 3 }, { cold: false, id: 4 }];
    expect(splitColdWarm(rows)).toEqual({ cold: [rows[0]], warm: [rows[1], rows[3]], unknown: [rows[2]] });
  });
});

describe('Function: latencyMsOf', () => {
  it('takes the client’s round trip for roots, the caller’s timing for nested calls, else nothing', () => {
    expect(latencyMsOf({ client_send: 10, client_end: 35.5, invocation_start: 1, invocation_end: 2 })).toBe(25.5);
    expect(latencyMsOf({ client_send: null, client_end: null, invocation_start: 100, invocation_end: 140 })).toBe(40);
    expect(latencyMsOf({ client_send: 10, client_end: null, invocation_start: null, invocation_end: null })).toBeNull();
  });
});
