/**
 * `fb logs <run-id>`: a run's state events (its status history) and its agent's log. Locally the
 * run comes from the local store and the log from its file (`.fb/runs/<runId>.agent.log`, or the
 * run's folder of a `fb run --all` suite); with `--stage` the run comes from the stage's results
 * database and the log from the stage's agent log group (EC2 clients, through SSM) or its results
 * bucket (Azure VM clients, saved at Teardown), both named by the stage's stack outputs.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { S3Client } from '@aws-sdk/client-s3';
import type { Command } from 'commander';
import { readAzureAgentLog } from '../../lib/agent-logs/bucket-agent-log';
import { readCloudWatchAgentLog } from '../../lib/agent-logs/cloudwatch-agent-log';
import { findLocalAgentLog } from '../../lib/agent-logs/find-local-log';
import { azureAgentLogKey } from '../../lib/agent-logs/names';
import { findStageAgentLogLocations } from '../../lib/agent-logs/stage-log-locations';
import type { RunRow, StatusChange } from '../../lib/results/types';
import { localRunsDir, REGION_OPTION, RunNotFoundError, STAGE_OPTION, type StoreOptions, storeOptions } from './runs';
import { withStore } from './store';

/** How far before a run's start and after its end the agent log group is searched. */
const SEARCH_MARGIN_MS = 60 * 60 * 1000;

/** What `fb logs --json` prints. */
export interface RunLogs {
  run: Pick<RunRow, 'id' | 'experiment' | 'platform' | 'client_platform' | 'status' | 'started_at' | 'ended_at'>;
  events: StatusChange[];
  /** The agent's log and where it came from; null with `missing` saying where it was looked for. */
  agentLog: { source: string; lines: string[] } | null;
  missing?: string;
}

/** `fb logs`. */
export function registerLogsCommand(program: Command): void {
  program
    .command('logs')
    .description("print a run's state events (status history) and its agent's log")
    .argument('<run-id>', 'a run id, or a unique prefix of at least 6 characters')
    .option('--json', 'print JSON: { run, events, agentLog }')
    .option(...STAGE_OPTION)
    .option(...REGION_OPTION)
    .action(async (runId: string, options: StoreOptions & { json?: boolean }) => {
      const run = await withStore(async (store) => {
        const found = await store.getRun(runId);
        if (!found) throw new RunNotFoundError(`no run ${runId}; see fb runs`);
        return found;
      }, storeOptions(options));
      const logs = options.stage === undefined ? localRunLogs(run, process.cwd()) : await withStageClients(options.region, (clients) => deployedRunLogs(run, options.stage as string, clients));
      if (options.json) console.log(JSON.stringify(logs, null, 2));
      else printRunLogs(logs);
    });
}

function base(run: RunRow): Omit<RunLogs, 'agentLog' | 'missing'> {
  const { id, experiment, platform, client_platform, status, started_at, ended_at } = run;
  return { run: { id, experiment, platform, client_platform, status, started_at, ended_at }, events: run.status_history };
}

/** A local run's logs: its agent log file under `.fb/runs` of `cwd`. */
export function localRunLogs(run: RunRow, cwd: string): RunLogs {
  const file = findLocalAgentLog(localRunsDir(cwd), run.id);
  if (!file) return { ...base(run), agentLog: null, missing: `no agent log for run ${run.id} on this machine (its agent never started here, or it ran in the cloud: add --stage <name>)` };
  return { ...base(run), agentLog: { source: relative(cwd, file), lines: readFileSync(file, 'utf8').split('\n').filter(Boolean) } };
}

/** The AWS clients `fb logs --stage` reads with. */
export interface StageLogClients {
  cloudFormation: CloudFormationClient;
  logs: CloudWatchLogsClient;
  s3: S3Client;
}

/** Clients for `region` (default: the SDK's), destroyed after `work`. */
async function withStageClients<T>(region: string | undefined, work: (clients: StageLogClients) => Promise<T>): Promise<T> {
  const config = region ? { region } : {};
  const clients = { cloudFormation: new CloudFormationClient(config), logs: new CloudWatchLogsClient(config), s3: new S3Client(config) };
  try {
    return await work(clients);
  } finally {
    for (const client of Object.values(clients)) client.destroy();
  }
}

/** A deployed run's logs: the stage's agent log group (EC2 clients), else the Run Command output saved in its results bucket (Azure VMs). */
export async function deployedRunLogs(run: RunRow, stage: string, clients: StageLogClients): Promise<RunLogs> {
  const locations = await findStageAgentLogLocations(clients.cloudFormation, stage);
  const looked: string[] = [];
  if (locations.logGroupName) {
    const startTimeMs = Date.parse(run.started_at) - SEARCH_MARGIN_MS;
    const endTimeMs = (run.ended_at ? Date.parse(run.ended_at) : Date.now()) + SEARCH_MARGIN_MS;
    const lines = await readCloudWatchAgentLog(clients.logs, { logGroupName: locations.logGroupName, runId: run.id, startTimeMs, endTimeMs });
    if (lines.length) return { ...base(run), agentLog: { source: `CloudWatch Logs ${locations.logGroupName}`, lines: lines.map((line) => `${line.at} ${line.stream} ${line.text}`) } };
    looked.push(`log group ${locations.logGroupName}`);
  }
  if (locations.resultsBucket) {
    const source = `s3://${locations.resultsBucket}/${azureAgentLogKey(run.id)}`;
    const text = await readAzureAgentLog(clients.s3, locations.resultsBucket, run.id);
    if (text !== undefined) return { ...base(run), agentLog: { source, lines: text.split('\n').filter(Boolean) } };
    looked.push(source);
  }
  return { ...base(run), agentLog: null, missing: `no agent log for run ${run.id} in stage ${stage} (looked in ${looked.join(' and ') || 'nothing: the stage names no agent log group or results bucket'}); its agent may never have started` };
}

function printRunLogs(logs: RunLogs): void {
  const { run } = logs;
  console.log(`run ${run.id}: ${run.experiment} on ${run.platform} (client ${run.client_platform}), ${run.status}`);
  console.log('\nstate events');
  for (const event of logs.events) console.log(`  ${event.at}  ${event.status}${event.reason ? `  ${event.reason}` : ''}`);
  if (!logs.agentLog) {
    console.log(`\n${logs.missing}`);
    return;
  }
  console.log(`\nagent log (${logs.agentLog.source})`);
  for (const line of logs.agentLog.lines) console.log(`  ${line}`);
}
