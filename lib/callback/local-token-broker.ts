import { randomBytes } from 'node:crypto';

/** An error a Task fails with, named as Step Functions names it so Retry/Catch match alike. */
export class TaskError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

interface Pending {
  resolve(output: unknown): void;
  reject(error: Error): void;
  heartbeatTimer: NodeJS.Timeout | undefined;
  heartbeatMs: number | undefined;
}

/**
 * The local stand-in for Step Functions' task tokens (`.waitForTaskToken`): issue a token, and
 * resolve or reject the waiting Task when SendTaskSuccess / SendTaskFailure arrive. It also
 * enforces HeartbeatSeconds, which the local interpreter accepts but ignores: a token without a
 * heartbeat for that long fails its Task with `States.HeartbeatTimeout`.
 */
export class TokenBroker {
  private readonly pending = new Map<string, Pending>();
  /** Set by {@link close}: every later Task fails at once with this. */
  private closedWith: TaskError | undefined;

  /** A new token and the promise its Task waits on. */
  issue(options: { heartbeatMs?: number } = {}): { token: string; result: Promise<unknown> } {
    const token = randomBytes(32).toString('base64url');
    const closedWith = this.closedWith;
    if (closedWith) return { token, result: Promise.reject(closedWith) };
    const result = new Promise<unknown>((resolve, reject) => {
      const entry: Pending = { resolve, reject, heartbeatTimer: undefined, heartbeatMs: options.heartbeatMs };
      this.pending.set(token, entry);
      this.armHeartbeat(token, entry);
    });
    return { token, result };
  }

  sendTaskSuccess(token: string, output: unknown): void {
    this.take(token).resolve(output);
  }

  sendTaskFailure(token: string, error: string, cause: string): void {
    this.take(token).reject(new TaskError(error, cause));
  }

  sendTaskHeartbeat(token: string): void {
    const entry = this.pending.get(token);
    if (!entry) throw new TaskError('TaskTimedOut', 'unknown or finished task token');
    this.armHeartbeat(token, entry);
  }

  /** Forget a token whose Task will not wait for it (its start failed); its promise stays unsettled. */
  withdraw(token: string): void {
    const entry = this.pending.get(token);
    if (!entry) return;
    this.pending.delete(token);
    clearTimeout(entry.heartbeatTimer);
  }

  /** Whether {@link close} was called: every Task asking for a token now fails at once. */
  get closed(): boolean {
    return this.closedWith !== undefined;
  }

  /** Tokens still waiting. */
  get size(): number {
    return this.pending.size;
  }

  /**
   * Fail every waiting Task and every Task that asks for a token later (a run interrupted before
   * its agent started must not start it).
   */
  close(error: string, cause: string): void {
    this.closedWith ??= new TaskError(error, cause);
    this.failAll(error, cause);
  }

  /** Fail every waiting Task (at shutdown). */
  failAll(error: string, cause: string): void {
    for (const token of [...this.pending.keys()]) this.sendTaskFailure(token, error, cause);
  }

  private take(token: string): Pending {
    const entry = this.pending.get(token);
    // Step Functions answers TaskTimedOut for a token that is unknown, already used or expired.
    if (!entry) throw new TaskError('TaskTimedOut', 'unknown or finished task token');
    this.pending.delete(token);
    clearTimeout(entry.heartbeatTimer);
    return entry;
  }

  private armHeartbeat(token: string, entry: Pending): void {
    clearTimeout(entry.heartbeatTimer);
    if (entry.heartbeatMs === undefined) return;
    entry.heartbeatTimer = setTimeout(() => {
      if (this.pending.get(token) !== entry) return;
      this.pending.delete(token);
      entry.reject(new TaskError('States.HeartbeatTimeout', `no heartbeat for ${entry.heartbeatMs} ms`));
    }, entry.heartbeatMs);
  }
}
