/**
 * `fb schedules` as a user runs it (the real CLI, in temporary project folders): the listing with
 * next fire times, JSON output, validation for `--target local`, one line per problem with exit
 * code 1, and the message when no schedules.json exists.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runFb } from '../../test-support/cli';

const NIGHTLY = { name: 'nightly-coldstart', experiment: 'coldstart-identifier', platforms: ['aws-lambda'], quick: true, expression: 'cron(0 3 * * ? *)', timezone: 'Europe/Copenhagen', enabled: true };
const WEEKLY = { name: 'weekly-concurrency', experiment: 'concurrency-benchmarking', platforms: ['aws-lambda'], expression: 'rate(7 days)', enabled: true };

const dirs: string[] = [];
function project(files: Record<string, unknown> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'fb-schedules-cli-'));
  dirs.push(dir);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), JSON.stringify(content));
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe.concurrent('Command: fb schedules', () => {
  it('lists each schedule of schedules.json with its next fire time in UTC and in its zone', async () => {
    const { code, stdout, stderr } = await runFb(project({ 'schedules.json': [NIGHTLY, WEEKLY] }), ['schedules']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const [header, , nightly, weekly] = stdout.trimEnd().split('\n');
    expect(header).toMatch(/^name\s+experiment\s+platforms\s+expression\s+timezone\s+enabled\s+next \(UTC\)\s+next \(its zone\)$/);
    // 03:00 in Copenhagen is 02:00 or 01:00 UTC, by the season.
    expect(nightly).toMatch(/^nightly-coldstart\s+coldstart-identifier\s+aws-lambda\s+cron\(0 3 \* \* \? \*\)\s+Europe\/Copenhagen\s+yes\s+\d{4}-\d\d-\d\d 0[12]:00Z\s+\d{4}-\d\d-\d\d 03:00 GMT\+[12]$/);
    expect(weekly).toMatch(/^weekly-concurrency\s+concurrency-benchmarking\s+aws-lambda\s+rate\(7 days\)\s+UTC\s+yes\s+on start, then every 7 days/);
  });

  it('prints JSON with --json, the next cron time within a day from now', async () => {
    const { code, stdout } = await runFb(project({ 'other.json': [NIGHTLY, WEEKLY] }), ['schedules', '--file', 'other.json', '--json']);
    expect(code).toBe(0);
    const [nightly, weekly] = JSON.parse(stdout);
    const inMs = Date.parse(nightly.nextFireAt) - Date.now();
    expect(inMs).toBeGreaterThan(0);
    expect(inMs).toBeLessThanOrEqual(24 * 3_600_000);
    expect(nightly).toMatchObject({ name: 'nightly-coldstart', timezone: 'Europe/Copenhagen', enabled: true, every: null, nextFireLocal: expect.stringMatching(/ 03:00 /) });
    expect(weekly).toMatchObject({ name: 'weekly-concurrency', timezone: 'UTC', nextFireAt: null, every: '7 days' });
  });

  it('prints one line per problem, naming the entry, and exits 1', async () => {
    const bad = [NIGHTLY, { ...WEEKLY, name: 'nightly-x', platforms: ['local'], expression: 'rate(1 days)' }];
    const { code, stdout, stderr } = await runFb(project({ 'schedules.json': bad }), ['schedules']);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.trimEnd().split('\n')).toEqual([
      'schedules.json: schedule "nightly-x": platforms: unknown platform "local" — the deployed control plane runs aws-lambda, azure-functions, openfaas; local runs only on this machine (fb run, fb serve)',
      'schedules.json: schedule "nightly-x": expression: rate(1 days): write rate(1 day) (singular for 1, plural otherwise)',
    ]);
  });

  it('validates for fb serve with --target local: seconds and the local platform', async () => {
    const local = [{ ...WEEKLY, name: 'quick-local', experiment: 'dev-experiment', platforms: ['local'], expression: 'rate(2 seconds)' }];
    const dir = project({ 'schedules.json': local });
    const asLocal = await runFb(dir, ['schedules', '--target', 'local']);
    expect(asLocal.code).toBe(0);
    expect(asLocal.stdout).toMatch(/quick-local\s+dev-experiment\s+local\s+rate\(2 seconds\)/);
    const asDeployed = await runFb(dir, ['schedules']);
    expect(asDeployed.code).toBe(1);
    expect(asDeployed.stderr).toContain("rate(2 seconds): seconds are for fb serve only; EventBridge Scheduler's smallest unit is the minute");
  });

  it('says nothing is scheduled when there is no schedules.json', async () => {
    const { code, stdout } = await runFb(project(), ['schedules']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^no schedules\.json here: nothing is scheduled/);
  });
});
