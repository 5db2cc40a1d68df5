/**
 * The `fb` command line. Each subcommand lives in bin/commands/ as one thin file: parse options,
 * call domain code, print.
 */
import { Command, CommanderError } from 'commander';
import { FB_VERSION } from '../lib/version';
import { registerExperimentCommands } from './commands/experiments';
import { registerPlatformCommands } from './commands/platform';
import { registerReportCommand } from './commands/report';
import { registerRunCommands } from './commands/runs';
import { registerUiCommand } from './commands/ui';

export function buildProgram(): Command {
  const program = new Command('fb')
    .description('faas-benchmarker: benchmark Function-as-a-Service platforms, locally or in the cloud')
    .version(FB_VERSION)
    .showHelpAfterError('(run fb --help for usage)');
  registerExperimentCommands(program);
  registerRunCommands(program);
  registerPlatformCommands(program);
  registerReportCommand(program);
  registerUiCommand(program);
  return program;
}

/** Run the CLI: a one-line error and a non-zero exit on failure. */
export function main(argv: string[]): void {
  buildProgram()
    .parseAsync(argv)
    .catch((error: unknown) => {
      if (error instanceof CommanderError) process.exit(error.exitCode);
      console.error(`fb: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    });
}

if (require.main === module) main(process.argv);
