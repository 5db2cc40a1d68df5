/**
 * `fb ui [--port 7890]`: the results web UI on http://127.0.0.1:<port>/ until Ctrl-C
 * (./ui-server.ts). The server and the web app are loaded only when the command runs, so the other
 * commands do not pay for them at start-up.
 */
import { type Command, InvalidArgumentError } from 'commander';
import { REGION_OPTION, STAGE_OPTION, storeOptions } from './runs';

export const DEFAULT_UI_PORT = 7890;

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65_535) throw new InvalidArgumentError('a TCP port from 0 (any free one) to 65535');
  return port;
}

export function registerUiCommand(program: Command): void {
  program
    .command('ui')
    .description('the results web UI on http://127.0.0.1:<port>/: runs live, filters, run pages with statistics, CSV and Arrow downloads')
    .option('--port <port>', 'TCP port on 127.0.0.1 (0: any free one)', parsePort, DEFAULT_UI_PORT)
    .option(...STAGE_OPTION)
    .option(...REGION_OPTION)
    .action(async (options: { port: number; stage?: string; region?: string }) => {
      // require, not import(): bin/fb.js runs the CLI through tsx's CommonJS hook.
      const { startUi } = require('./ui-server') as typeof import('./ui-server');
      const ui = await startUi({ port: options.port, location: storeOptions(options) });
      console.log(`fb ui: ${ui.url}  (Ctrl-C stops it)`);
      await new Promise<void>((resolve) => {
        const onSignal = (signal: NodeJS.Signals) => {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          // A second Ctrl-C while waiting for another fb process to finish with the store quits at once.
          process.once('SIGINT', () => process.exit(130));
          console.log(`${signal}: stopping the UI…`);
          ui.close().then(resolve, (error: unknown) => {
            console.error(`fb ui: ${error instanceof Error ? error.message : String(error)}`);
            resolve();
          });
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
      });
      console.log('stopped');
    });
}
