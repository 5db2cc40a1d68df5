/**
 * `fb schedules [--file schedules.json] [--json] [--target deployed|local]`: the schedules of a
 * schedule file, validated as `cdk synth` (target `deployed`, the default) or `fb serve` (target
 * `local`) would, each with its next fire time in UTC and in its time zone. Problems are printed
 * one line each, naming the entry, and the exit code is 1.
 *
 * For `deployed` the stage is unknown here, so any cloud platform passes; `cdk synth` also checks
 * the platforms against the stage's settings.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { listSchedules } from '../../lib/config/schedule-listing';
import { ScheduleConfigError, type ScheduleTarget } from '../../lib/config/schedules';
import { loadScheduleFile, SCHEDULES_FILE } from '../../lib/config/schedules-source';
import { formatTable } from '../../lib/report/table';

function parseTarget(value: string): ScheduleTarget {
  if (value !== 'deployed' && value !== 'local') throw new InvalidArgumentError('deployed (cdk deploy) or local (fb serve)');
  return value;
}

export function registerScheduleCommands(program: Command): void {
  program
    .command('schedules')
    .description('the schedules of a schedule file, validated, with their next fire times (what cdk deploy or fb serve would run)')
    .option('--file <path>', 'the schedule file', SCHEDULES_FILE)
    .option('--json', 'print JSON')
    .option('--target <target>', 'validate for deployed (cdk deploy: minutes and up, cloud platforms) or local (fb serve: seconds, local and openfaas)', parseTarget, 'deployed' as ScheduleTarget)
    .action((options: { file: string; json?: boolean; target: ScheduleTarget }) => {
      const path = resolve(options.file);
      if (options.file === SCHEDULES_FILE && !existsSync(path)) {
        if (options.json) console.log('[]');
        else console.log(`no ${SCHEDULES_FILE} here: nothing is scheduled (schedules.example.json shows the format)`);
        return;
      }
      let listing: ReturnType<typeof listSchedules>;
      try {
        listing = listSchedules(loadScheduleFile(path, options.target, options.file), options.target, new Date());
      } catch (error) {
        if (!(error instanceof ScheduleConfigError)) throw error;
        for (const problem of error.problems) console.error(problem);
        process.exitCode = 1;
        return;
      }
      if (options.json) {
        console.log(JSON.stringify(listing, null, 2));
        return;
      }
      if (listing.length === 0) {
        console.log(`${options.file}: no schedules`);
        return;
      }
      console.log(
        formatTable(
          ['name', 'experiment', 'platforms', 'expression', 'timezone', 'enabled', 'next (UTC)', 'next (its zone)'],
          listing.map((schedule) => [
            schedule.name,
            schedule.experiment,
            schedule.platforms.join(','),
            schedule.expression,
            schedule.timezone,
            schedule.enabled ? 'yes' : 'no',
            !schedule.enabled ? 'paused' : schedule.every ? `on start, then every ${schedule.every}` : (schedule.nextFireAt?.replace(/:00\.000Z$/, 'Z').replace('T', ' ') ?? 'never again'),
            schedule.enabled && !schedule.every ? schedule.nextFireLocal : null,
          ]),
        ),
      );
    });
}
