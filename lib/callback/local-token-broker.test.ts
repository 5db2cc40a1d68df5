import { describe, expect, it } from 'vitest';
import { TaskError, TokenBroker } from './local-token-broker';

describe('Class: TokenBroker', () => {
  it('close fails the waiting Task and every Task that asks for a token afterwards, naming the error', async () => {
    const broker = new TokenBroker();
    const waiting = broker.issue();
    expect(broker.closed).toBe(false);
    broker.close('RunAborted', 'the run was interrupted');
    expect(broker.closed).toBe(true);
    await expect(waiting.result).rejects.toMatchObject({ name: 'RunAborted', message: 'the run was interrupted' });
    const later = broker.issue();
    await expect(later.result).rejects.toBeInstanceOf(TaskError);
    await expect(later.result).rejects.toMatchObject({ name: 'RunAborted' });
    expect(broker.size).toBe(0);
    // A token of a closed broker is no use to anyone.
    expect(() => broker.sendTaskSuccess(later.token, {})).toThrow(/unknown or finished task token/);
  });

  it('failAll fails only the Tasks waiting now', async () => {
    const broker = new TokenBroker();
    const waiting = broker.issue();
    broker.failAll('Shutdown', 'stopping');
    await expect(waiting.result).rejects.toMatchObject({ name: 'Shutdown' });
    expect(broker.closed).toBe(false);
    const later = broker.issue();
    broker.sendTaskSuccess(later.token, { ok: true });
    await expect(later.result).resolves.toEqual({ ok: true });
  });

  it('withdraw forgets a token: its heartbeat never fires and it can no longer be answered', async () => {
    const broker = new TokenBroker();
    const issued = broker.issue({ heartbeatMs: 20 });
    let settled = false;
    issued.result.then(
      () => {
        settled = true;
      },
      () => {
        settled = true;
      },
    );
    broker.withdraw(issued.token);
    expect(broker.size).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(settled).toBe(false);
    expect(() => broker.sendTaskSuccess(issued.token, {})).toThrow(/unknown or finished task token/);
    broker.failAll('Shutdown', 'stopping');
    expect(settled).toBe(false);
  });
});
