/**
 * The platform's ground-truth log: every instance start, readiness and eviction with its reason.
 * Kept in memory, bounded; read through `GET /system/events?since=<seq>`.
 */
export type PlatformEventType =
  | 'function-deployed'
  | 'function-updated'
  | 'function-removed'
  | 'instance-started'
  | 'instance-ready'
  | 'instance-evicted';

/** Why an instance went away. */
export type EvictionReason = 'idle-timeout' | 'max-lifetime' | 'scaled-down' | 'function-removed' | 'crashed' | 'start-failed' | 'shutdown';

export interface PlatformEvent {
  seq: number;
  /** Epoch ms. */
  at: number;
  type: PlatformEventType;
  function: string;
  instance?: string;
  reason?: EvictionReason;
  /** Milliseconds from spawn to listening (instance-ready), or the instance's idle time or age. */
  durationMs?: number;
  detail?: string;
}

export class EventLog {
  private readonly events: PlatformEvent[] = [];
  private nextSeq = 1;
  private readonly listeners = new Set<(event: PlatformEvent) => void>();

  constructor(private readonly capacity = 10_000) {}

  add(event: Omit<PlatformEvent, 'seq' | 'at'>): PlatformEvent {
    const full: PlatformEvent = { seq: this.nextSeq++, at: Date.now(), ...event };
    this.events.push(full);
    if (this.events.length > this.capacity) this.events.splice(0, this.events.length - this.capacity);
    for (const listener of this.listeners) listener(full);
    return full;
  }

  /** Events with a sequence number above `sinceSeq`, oldest first. */
  since(sinceSeq = 0): PlatformEvent[] {
    return this.events.filter((event) => event.seq > sinceSeq);
  }

  subscribe(listener: (event: PlatformEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
