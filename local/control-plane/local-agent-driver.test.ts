/**
 * LocalAgentDriver's agent log: a stand-in agent (a tiny script given as `agentEntry`) prints to
 * stdout and stderr; each line must reach onOutput and the run's log file, which outlives teardown.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AgentPlan } from '../../lib/agent/plan';
import type { BranchInput } from '../../lib/platforms/platform';
import { localAgentLogFile } from '../../lib/agent-logs/names';
import { LocalAgentDriver } from './local-agent-driver';

const dir = mkdtempSync(join(tmpdir(), 'fb-agent-log-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SECRET = 'cb-secret-never-in-logs';
/** Prints a line on each stream (one carrying the secret), then a last line without a newline. */
const agentEntry = join(dir, 'fake-agent.js');
writeFileSync(
  agentEntry,
  `const plan = JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8'));
console.log('probing ' + plan.experiment);
console.error('warning: token ' + plan.callback.secret);
process.stdout.write('done without newline');
`,
);

const plan = (runId: string): AgentPlan => ({
  runId,
  experiment: 'coldstart-identifier',
  params: {},
  quick: true,
  target: { platform: 'local', gatewayUrl: 'http://127.0.0.1:1' },
  resultsLocation: join(dir, `${runId}.results.ndjson`),
  callback: { url: 'http://127.0.0.1:1/callback', runId, secret: SECRET },
  heartbeatIntervalMs: 60_000,
});
const branch = (runId: string): BranchInput => ({ run: { runId, platform: 'local' }, experiment: 'coldstart-identifier', params: {}, quick: true, platformOptions: {} });

describe('LocalAgentDriver agent log', () => {
  it('writes every stdout and stderr line, timestamped, to <runId>.agent.log (0600), still calls onOutput, and keeps the log after teardown', async () => {
    const runId = 'run-log-0001';
    const seen: string[] = [];
    const driver = new LocalAgentDriver({ planDir: dir, agentEntry, onOutput: (id, line) => seen.push(`${id}: ${line}`) });
    await driver.startAgent(plan(runId));
    // Let the agent finish by itself (a generous bound), as a run's agent does before Teardown.
    for (let waited = 0; driver.runningPids().length && waited < 20_000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
    await driver.teardown(branch(runId));

    const file = localAgentLogFile(dir, runId);
    expect(existsSync(join(dir, `${runId}.plan.json`))).toBe(false);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    const stamp = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z';
    expect(lines[0]).toMatch(new RegExp(`^${stamp} fb agent started: pid \\d+$`));
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`^${stamp} stdout probing coldstart-identifier$`)),
        expect.stringMatching(new RegExp(`^${stamp} stderr warning: token \\*\\*\\*$`)),
        expect.stringMatching(new RegExp(`^${stamp} stdout done without newline$`)),
      ]),
    );
    expect(lines.at(-1)).toMatch(new RegExp(`^${stamp} fb agent exited: code 0$`));
    expect(readFileSync(file, 'utf8')).not.toContain(SECRET);
    expect(seen.sort()).toEqual([`${runId}: done without newline`, `${runId}: probing coldstart-identifier`, `${runId}: warning: token ***`]);
  });
});
