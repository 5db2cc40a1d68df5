/**
 * The `fb` command line. Each subcommand lives in bin/commands/ as one thin file: parse options,
 * call domain code, print.
 *
 * Only the module of the command asked for is loaded (all of them for help, a version, or a name
 * it does not know): `fb run` brings in the local control plane, the cost model and every
 * experiment, which `fb runs` or `fb show` have no use for, and the CLI runs through tsx, which
 * transpiles each module it loads. `fb runs` starts in about a second instead of about four.
 */
import type { Command as CommandType } from 'commander';
import { Command, CommanderError } from 'commander';
import { FB_VERSION } from '../lib/version';
import { usePgliteSeed } from '../lib/results/pglite-executor';

type Register = (program: CommandType) => void;

/** Each command's module, loaded when it is needed (require: bin/fb.js runs the CLI through tsx's CommonJS hook). */
const COMMAND_MODULES: Record<string, () => Register> = {
  experiments: () => (require('./commands/experiments') as typeof import('./commands/experiments')).registerExperimentCommands,
  runs: () => (require('./commands/runs') as typeof import('./commands/runs')).registerRunCommands,
  logs: () => (require('./commands/logs') as typeof import('./commands/logs')).registerLogsCommand,
  platform: () => (require('./commands/platform') as typeof import('./commands/platform')).registerPlatformCommands,
  report: () => (require('./commands/report') as typeof import('./commands/report')).registerReportCommand,
  ui: () => (require('./commands/ui') as typeof import('./commands/ui')).registerUiCommand,
  schedules: () => (require('./commands/schedules') as typeof import('./commands/schedules')).registerScheduleCommands,
  serve: () => (require('./commands/serve') as typeof import('./commands/serve')).registerServeCommand,
  sweep: () => (require('./commands/sweep') as typeof import('./commands/sweep')).registerSweepCommand,
};

/** Which module registers each command name. */
const MODULE_OF_COMMAND: Record<string, keyof typeof COMMAND_MODULES> = {
  list: 'experiments',
  run: 'experiments',
  'create-experiment': 'experiments',
  runs: 'runs',
  show: 'runs',
  logs: 'logs',
  platform: 'platform',
  report: 'report',
  ui: 'ui',
  schedules: 'schedules',
  serve: 'serve',
  sweep: 'sweep',
};

/** The program with the commands `argv` needs: the one named, or every one when none (or an unknown one) is. */
export function buildProgram(argv: readonly string[] = []): Command {
  const program = new Command('fb')
    .description('faas-benchmarker: benchmark Function-as-a-Service platforms, locally or in the cloud')
    .version(FB_VERSION)
    .showHelpAfterError('(run fb --help for usage)');
  const named = argv[2] !== undefined && Object.hasOwn(MODULE_OF_COMMAND, argv[2]) ? MODULE_OF_COMMAND[argv[2]] : undefined;
  const modules = named ? [named] : (Object.keys(COMMAND_MODULES) as (keyof typeof COMMAND_MODULES)[]);
  for (const module of modules) COMMAND_MODULES[module]?.()(program);
  return program;
}

/**
 * Run the CLI: a one-line error and a non-zero exit on failure. FB_PGLITE_SEED names a data
 * directory tarball new embedded databases start from instead of running initdb
 * (lib/results/pglite-executor.ts; the test suite sets it for the `fb` processes it starts).
 */
export function main(argv: string[]): void {
  usePgliteSeed(process.env.FB_PGLITE_SEED || undefined);
  buildProgram(argv)
    .parseAsync(argv)
    .catch((error: unknown) => {
      if (error instanceof CommanderError) process.exit(error.exitCode);
      console.error(`fb: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    });
}

if (require.main === module) main(process.argv);
