/**
 * `fb sweep`: remove what runs left behind, printing what it removed, kept (and why) and failed.
 * Locally: this machine's abandoned runs (failed, plans removed, partial rows kept), plan files of
 * final runs, and, with `--gateway-url`/FB_GATEWAY_URL, the gateway's OpenFaaS functions whose
 * expiry label has passed. With `--stage`: the stage's deployed sweeper Lambda, invoked now
 * (the same sweep its hourly schedule runs), and its report.
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { Command } from 'commander';
import { formatTable } from '../../lib/report/table';
import { invokeDeployedSweeper } from '../../lib/sweep/deployed-sweeper';
import { abandonedLocalRuns, stalePlanFiles } from '../../lib/sweep/local-leftovers';
import { openFaasFunctions } from '../../lib/sweep/openfaas-functions';
import { type SweepReport, sweep } from '../../lib/sweep/sweep';
import { openFaasGateway } from './openfaas-gateway';
import { localRunsDir, REGION_OPTION } from './runs';
import { withStore } from './store';

interface SweepCommandOptions {
  stage?: string;
  region?: string;
  gatewayUrl?: string;
  dryRun?: boolean;
  json?: boolean;
}

/** `fb sweep`. */
export function registerSweepCommand(program: Command): void {
  program
    .command('sweep')
    .description("remove what runs left behind: this machine's abandoned runs and stale plans (and a gateway's expired OpenFaaS functions), or with --stage the stage's expired cloud resources")
    .option('--stage <name>', "run the stage's deployed sweeper now (expired stacks, EC2 clients, resource groups, OpenFaaS functions) and print its report")
    .option(...REGION_OPTION)
    .option('--gateway-url <url>', 'locally: also sweep this OpenFaaS gateway (default: FB_GATEWAY_URL)')
    .option('--dry-run', 'report what would be removed, remove nothing')
    .option('--json', 'print the report as JSON')
    .action(async (options: SweepCommandOptions) => {
      const dryRun = options.dryRun === true;
      const report = options.stage === undefined ? await sweepLocally(options, dryRun) : await sweepStage(options.stage, options.region, dryRun);
      console.log(options.json ? JSON.stringify(report, null, 2) : formatReport(report));
      if (report.failed.length) process.exitCode = 1;
    });
}

async function sweepLocally(options: SweepCommandOptions, dryRun: boolean): Promise<SweepReport> {
  const runsDir = localRunsDir();
  const gatewayUrl = options.gatewayUrl ?? process.env.FB_GATEWAY_URL;
  const gateway = gatewayUrl ? openFaasGateway(gatewayUrl, process.env, process.cwd()) : undefined;
  return withStore((store) =>
    sweep([abandonedLocalRuns(store, runsDir), stalePlanFiles(store, runsDir), ...(gateway ? [openFaasFunctions({ gatewayUrl: gateway.gatewayUrl, ...(gateway.basicAuth ? { basicAuth: gateway.basicAuth } : {}) })] : [])], { dryRun }),
  );
}

async function sweepStage(stage: string, region: string | undefined, dryRun: boolean): Promise<SweepReport> {
  const config = region ? { region } : {};
  const clients = { cloudFormation: new CloudFormationClient(config), lambda: new LambdaClient(config) };
  try {
    return await invokeDeployedSweeper(clients, stage, { dryRun });
  } finally {
    clients.cloudFormation.destroy();
    clients.lambda.destroy();
  }
}

/** One table row per line of the report, then the counts. */
export function formatReport(report: SweepReport): string {
  const removedWord = report.dryRun ? 'would remove' : 'removed';
  const rows = [
    ...report.removed.map((line) => [removedWord, line.kind, line.id, line.runId ?? '', line.why]),
    ...report.kept.map((line) => ['kept', line.kind, line.id, line.runId ?? '', line.why]),
    ...report.failed.map((line) => ['failed', line.kind, line.id, line.runId ?? '', `${line.why}: ${line.error}`]),
  ];
  const summary = `${report.removed.length} ${removedWord}, ${report.kept.length} kept, ${report.failed.length} failed${report.dryRun ? ' (dry run: nothing was removed)' : ''}`;
  return rows.length ? `${formatTable(['', 'kind', 'id', 'run', 'why'], rows)}\n${summary}` : `nothing to sweep\n${summary}`;
}
