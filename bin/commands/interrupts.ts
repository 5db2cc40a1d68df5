/**
 * Ctrl-C for a command that runs experiments: the first SIGINT (or SIGTERM) aborts `work`'s signal
 * — what is running is stopped and torn down — and says so on stderr; a second one quits at once
 * (exit 130), leaving the agents and platform instances to stop with this process (their IPC
 * lifelines) and the next fb command to mark the runs failed.
 */
export async function withInterrupts<T>(message: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write(`\ninterrupted: ${message} (Ctrl-C again to quit at once)\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await work(controller.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
