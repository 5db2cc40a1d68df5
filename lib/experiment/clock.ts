import type { ClockOffset, InvocationResult } from './bench';

export type { ClockOffset };

/**
 * The NTP estimate from one call's four timestamps — the client sends (`sentAt`), the function
 * starts and ends on its own clock (`startedAt`, `endedAt`), the client receives (`receivedAt`):
 * offset = ((startedAt − sentAt) + (endedAt − receivedAt)) / 2, exact when the way there and the
 * way back take equally long, and never off by more than half the network round trip
 * ((receivedAt − sentAt) − (endedAt − startedAt)) / 2.
 */
export function offsetFromCall(sentAt: number, startedAt: number, endedAt: number, receivedAt: number): { offsetMs: number; errorMs: number } {
  return {
    offsetMs: (startedAt - sentAt + (endedAt - receivedAt)) / 2,
    errorMs: Math.max(0, receivedAt - sentAt - (endedAt - startedAt)) / 2,
  };
}

/**
 * Keeps the estimate of the call with the smallest network round trip (the tightest bound), as
 * NTP's clock filter does.
 */
export class ClockOffsetEstimator {
  #best: { offsetMs: number; errorMs: number } | undefined;
  #samples = 0;

  add(sentAt: number, startedAt: number, endedAt: number, receivedAt: number): void {
    if (![sentAt, startedAt, endedAt, receivedAt].every(Number.isFinite) || receivedAt < sentAt || endedAt < startedAt) return;
    const estimate = offsetFromCall(sentAt, startedAt, endedAt, receivedAt);
    this.#samples += 1;
    if (!this.#best || estimate.errorMs < this.#best.errorMs) this.#best = estimate;
  }

  /** The best estimate so far; undefined before the first complete call. */
  get estimate(): ClockOffset | undefined {
    return this.#best ? { ...this.#best, samples: this.#samples } : undefined;
  }
}

/**
 * The latency from the client's send to the function's start, which crosses the two clocks:
 * corrected by the offset, with its error bound; null without the times or an estimate.
 */
export function sendToStartLatency(result: InvocationResult, clock: ClockOffset | undefined): { latencyMs: number; errorMs: number } | null {
  const startedAt = result.root?.execution_start;
  const sentAt = result.answer.sendAt;
  if (!clock || typeof startedAt !== 'number' || sentAt === null) return null;
  return { latencyMs: startedAt - clock.offsetMs - sentAt, errorMs: clock.errorMs };
}
