/**
 * `fb serve [--port 8083]`: the embedded control plane as a long-running process on 127.0.0.1 —
 * the Step Functions API for RunExperiment (the AWS CLI and SDKs with `--endpoint-url`, and
 * `fb run --endpoint`) and the results web UI on the same port (./serve-server.ts). Runs until
 * SIGINT or SIGTERM, then stops the running executions as StopExecution does (each torn down and
 * its runs marked failed) and exits 0. The server is loaded only when the command runs.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { SCHEDULES_FILE } from '../../lib/config/schedules-source';
import { openFaasGateway } from './openfaas-gateway';

/** Where `fb serve` listens unless told otherwise. */
export const DEFAULT_SERVE_PORT = 8083;

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65_535) throw new InvalidArgumentError('a TCP port from 0 (any free one) to 65535');
  return port;
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('the embedded control plane on http://127.0.0.1:<port>: the Step Functions API for RunExperiment (aws stepfunctions --endpoint-url, fb run --endpoint) and the web UI')
    .option('--port <port>', 'TCP port on 127.0.0.1 (0: any free one)', parsePort, DEFAULT_SERVE_PORT)
    .option('--schedules <file>', `a schedule file to run here (default ${SCHEDULES_FILE} when it exists): its entries for local and openfaas fire on this machine`)
    .option('--no-schedules', 'run no schedules')
    .option('--gateway-url <url>', 'an OpenFaaS gateway for platform openfaas (default FB_GATEWAY_URL; without one only local runs here)')
    .action(async (options: { port: number; schedules?: string | boolean; gatewayUrl?: string }) => {
      const cwd = process.cwd();
      const defaultSchedules = join(cwd, SCHEDULES_FILE);
      const schedulesFile = typeof options.schedules === 'string' ? resolve(cwd, options.schedules) : options.schedules !== false && existsSync(defaultSchedules) ? defaultSchedules : undefined;
      const gatewayUrl = options.gatewayUrl ?? process.env.FB_GATEWAY_URL;
      const openfaas = gatewayUrl ? openFaasGateway(gatewayUrl, process.env, cwd) : undefined;
      // require, not import(): bin/fb.js runs the CLI through tsx's CommonJS hook.
      const { startServe } = require('./serve-server') as typeof import('./serve-server');
      const served = await startServe({ port: options.port, cwd, ...(schedulesFile ? { schedulesFile } : {}), ...(openfaas ? { openfaas } : {}) });
      console.log(`fb serve: RunExperiment ${served.stateMachineArn}`);
      console.log(`  Step Functions API: ${served.endpoint}  (aws stepfunctions --endpoint-url ${served.endpoint} --no-sign-request --region local …)`);
      console.log(`  web UI: ${served.endpoint}/`);
      console.log('  Ctrl-C stops it (running executions are stopped and torn down)');
      await new Promise<void>((resolve) => {
        const onSignal = (signal: NodeJS.Signals) => {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          // A second Ctrl-C quits at once; agents and platforms stop with this process (their IPC lifelines).
          process.once('SIGINT', () => process.exit(130));
          console.log(`${signal}: stopping the running executions and the server…`);
          served.close().then(resolve, (error: unknown) => {
            console.error(`fb serve: ${error instanceof Error ? error.message : String(error)}`);
            process.exitCode = 1;
            resolve();
          });
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
      });
      console.log('stopped');
    });
}
