/**
 * The CDK app's entry, run as `cdk synth` runs it (cdk.json's `app` command, context in
 * CDK_CONTEXT_JSON as the CLI passes `-c`): a bad schedule fails synth with exit code 1 and a
 * `ScheduleConfigError` naming the entry, before any bundle is built (so this takes seconds).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..');
const APP_COMMAND = (JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')) as { app: string }).app;

function synth(context: Record<string, unknown>): Promise<{ code: number | null; stderr: string }> {
  const outdir = mkdtempSync(join(tmpdir(), 'fb-synth-'));
  return new Promise((resolve) => {
    const child = spawn(APP_COMMAND, { cwd: ROOT, shell: true, env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify(context), CDK_OUTDIR: outdir }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('exit', (code) => {
      rmSync(outdir, { recursive: true, force: true });
      resolve({ code, stderr });
    });
  });
}

describe('CDK app: schedules', () => {
  it('fails synth on a bad schedule entry, naming it, before building anything', async () => {
    const entry = { name: 'nightly-x', experiment: 'coldstart-identifier', platforms: ['local'], expression: 'cron(0 3 * * ? *)', enabled: true };
    const { code, stderr } = await synth({ schedules: JSON.stringify([entry]), azureSubscriptionId: '00000000-0000-4000-8000-000000000000' });
    expect(code).toBe(1);
    expect(stderr.trim()).toBe(
      'ScheduleConfigError: -c schedules (inline): schedule "nightly-x": platforms: unknown platform "local" — the deployed control plane runs aws-lambda, azure-functions; local runs only on this machine (fb run, fb serve)',
    );
  });
});

describe('CDK app: stage settings', () => {
  it('fails synth on an apiGatewayCloudWatchRole other than create or existing, naming the setting', async () => {
    const { code, stderr } = await synth({ apiGatewayCloudWatchRole: 'none', azureSubscriptionId: '00000000-0000-4000-8000-000000000000' });
    expect(code).toBe(1);
    expect(stderr.trim()).toBe(
      "StageConfigError: invalid stage config: apiGatewayCloudWatchRole: must be 'create' (the control plane sets API Gateway's CloudWatch Logs role) or 'existing' (the account already has one)",
    );
  });
});
