/**
 * Process entry of the OpenFaaS adapter bundle. Listens on `PORT` (default 3000, the port the
 * of-watchdog's `upstream_url` points at). `FB_INIT_DELAY_MS` adds a fixed delay before
 * listening, standing in for heavier module init (the local platform's `--init-delay`);
 * `FB_CLOCK_SKEW_MS` shifts the function's clock (the local platform's `clock-skew`).
 *
 * When started by the local platform (an IPC channel exists) it reports its port over IPC and
 * exits as soon as the channel closes, so an instance never outlives its platform.
 */
import type { AddressInfo } from 'node:net';
import { setClockSkewMs } from '../../core/clock';
import type { LabFunctionDefinition } from '../../core/definition';
import { createOpenFaasServer, openFaasConfigFromEnv } from './server';

export function startOpenFaasFunction(definition: LabFunctionDefinition, env: NodeJS.ProcessEnv = process.env): void {
  const config = openFaasConfigFromEnv(env);
  const port = Number(env.PORT ?? 3000);
  const initDelayMs = Number(env.FB_INIT_DELAY_MS ?? 0);
  setClockSkewMs(Number(env.FB_CLOCK_SKEW_MS ?? 0));
  const server = createOpenFaasServer(definition, config);
  const listen = () =>
    server.listen(port, env.FB_LISTEN_HOST ?? '127.0.0.1', () => {
      const address = server.address() as AddressInfo;
      if (process.send) process.send({ type: 'listening', port: address.port });
      else console.log(`${definition.name} listening on ${address.address}:${address.port}`);
    });
  setTimeout(listen, Number.isFinite(initDelayMs) && initDelayMs > 0 ? initDelayMs : 0);

  const shutdown = () => {
    server.close();
    server.closeAllConnections();
    process.exit(0);
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  if (process.send) process.on('disconnect', shutdown);
}
