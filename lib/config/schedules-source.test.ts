/**
 * Tests of where the CDK app takes its schedules from, on temporary project roots: context wins
 * (inline JSON, a cdk.json array, or a file path), then schedules.json, else none; unreadable or
 * non-JSON sources are named; and the stage loading bin/app.ts does fails on a bad entry, naming
 * the entry, and passes the stage's platforms on.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ScheduleConfigError } from './schedules';
import { loadLocalScheduleFile, loadScheduleFile, loadStageSchedules, scheduleEntriesOf } from './schedules-source';
import { stagePlatforms } from './stage-platforms';

const AZURE = stagePlatforms({ azureSubscriptionId: '00000000-0000-4000-8000-000000000000', openfaasGatewayUrl: '' });
const entry = (name: string, platforms = ['aws-lambda']) => ({ name, experiment: 'coldstart-identifier', platforms, expression: 'rate(1 day)', enabled: true });

const roots: string[] = [];
function projectRoot(files: Record<string, unknown> = {}): string {
  const root = mkdtempSync(join(tmpdir(), 'fb-schedules-'));
  roots.push(root);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(root, name), typeof content === 'string' ? content : JSON.stringify(content));
  return root;
}
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

describe.concurrent('Function: scheduleEntriesOf', () => {
  it('reads nothing when neither context nor schedules.json is given', () => {
    expect(scheduleEntriesOf({ context: undefined, projectRoot: projectRoot() })).toEqual({ source: 'none', entries: [] });
  });

  it('reads schedules.json at the project root', () => {
    expect(scheduleEntriesOf({ context: undefined, projectRoot: projectRoot({ 'schedules.json': [entry('from-file')] }) })).toEqual({ source: 'schedules.json', entries: [entry('from-file')] });
  });

  it('prefers context over schedules.json: inline JSON, a cdk.json array, or a file path', () => {
    const root = projectRoot({ 'schedules.json': [entry('from-file')], 'prod.json': [entry('from-path')] });
    expect(scheduleEntriesOf({ context: JSON.stringify([entry('inline')]), projectRoot: root })).toEqual({ source: '-c schedules (inline)', entries: [entry('inline')] });
    expect(scheduleEntriesOf({ context: [entry('cdk-json')], projectRoot: root })).toEqual({ source: '-c schedules (cdk.json)', entries: [entry('cdk-json')] });
    expect(scheduleEntriesOf({ context: 'prod.json', projectRoot: root })).toEqual({ source: 'prod.json', entries: [entry('from-path')] });
    expect(scheduleEntriesOf({ context: join(root, 'prod.json'), projectRoot: root }).entries).toEqual([entry('from-path')]);
  });

  it('names a missing file, bad JSON and a context value of the wrong kind', () => {
    const root = projectRoot({ 'schedules.json': '[{"name": ' });
    expect(() => scheduleEntriesOf({ context: 'nope.json', projectRoot: root })).toThrow(/^nope\.json: cannot be read/);
    expect(() => scheduleEntriesOf({ context: undefined, projectRoot: root })).toThrow(/^schedules\.json: is not JSON/);
    expect(() => scheduleEntriesOf({ context: '[oops', projectRoot: root })).toThrow(/^-c schedules \(inline\): is not JSON/);
    expect(() => scheduleEntriesOf({ context: 42, projectRoot: root })).toThrow(ScheduleConfigError);
  });
});

describe.concurrent('Function: loadStageSchedules', () => {
  it("fails on a bad entry, naming its source and the entry, against the stage's platforms", () => {
    const root = projectRoot({ 'schedules.json': [entry('fine'), entry('nightly-x', ['local'])] });
    expect(() => loadStageSchedules({ context: undefined, projectRoot: root, stagePlatforms: AZURE })).toThrow(
      'schedules.json: schedule "nightly-x": platforms: unknown platform "local" — the deployed control plane runs aws-lambda, azure-functions',
    );
  });

  it('returns the validated schedules of the stage', () => {
    const root = projectRoot({ 'schedules.json': [entry('fine')] });
    expect(loadStageSchedules({ context: undefined, projectRoot: root, stagePlatforms: AZURE })).toEqual([{ ...entry('fine'), params: {}, quick: false }]);
  });
});

describe.concurrent('Function: loadScheduleFile', () => {
  it('validates a file for fb serve: local and seconds allowed', () => {
    const root = projectRoot({ 'local.json': [{ ...entry('quick-local', ['local']), expression: 'rate(2 seconds)' }] });
    expect(loadScheduleFile(join(root, 'local.json'), 'local', 'local.json').map((schedule) => schedule.name)).toEqual(['quick-local']);
    expect(() => loadScheduleFile(join(root, 'local.json'), 'deployed', 'local.json')).toThrow('local.json: schedule "quick-local": platforms: unknown platform "local"');
  });
});

describe.concurrent('Function: loadLocalScheduleFile', () => {
  it("runs the deployment's file locally: entries with a deployed-only platform are left to the deployment, the rest validated for fb serve", () => {
    const file = [entry('nightly-lambda', ['aws-lambda']), entry('both-clouds', ['openfaas', 'azure-functions']), { ...entry('quick-local', ['local', 'openfaas']), expression: 'rate(5 seconds)' }];
    const root = projectRoot({ 'schedules.json': file });
    const loaded = loadLocalScheduleFile(join(root, 'schedules.json'), 'schedules.json');
    expect(loaded.deployedOnly).toEqual(['nightly-lambda', 'both-clouds']);
    expect(loaded.schedules.map((schedule) => schedule.name)).toEqual(['quick-local']);
  });

  it('still names a bad entry among the local ones', () => {
    const root = projectRoot({ 'schedules.json': [entry('nightly-lambda'), { ...entry('typo', ['local']), experiment: 'no-such-experiment' }] });
    expect(() => loadLocalScheduleFile(join(root, 'schedules.json'), 'schedules.json')).toThrow(/schedules\.json: schedule "typo": experiment/);
  });
});
