/**
 * Where a run's agent log is kept, in one place: the local agent driver and `fb logs` locally, the
 * CDK stack and the SSM driver in AWS (the stage's log group), the Azure driver's Teardown and
 * `fb logs --stage` for Azure VM clients (the results bucket).
 */
import { join } from 'node:path';

/** A local run's agent log: `<dir>/<runId>.agent.log`, beside its plan in the runs (or suite job) folder. */
export function localAgentLogFile(dir: string, runId: string): string {
  return join(dir, `${runId}.agent.log`);
}

/** The CloudWatch Logs group SSM Run Command sends a stage's agent commands' output to. */
export function agentLogGroupName(stageName: string): string {
  return `/faas-benchmarker/${stageName}/agent`;
}

/** Key in the results bucket of the Run Command output an Azure VM client's Teardown saves. */
export function azureAgentLogKey(runId: string): string {
  return `agent-logs/${runId}/azure-run-command.log`;
}
