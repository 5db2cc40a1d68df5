import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXPERIMENTS_DIR, syncExperimentCatalog } from '../../lib/experiment/catalog-file';
import { runFb } from '../../test-support/cli';

const cwd = mkdtempSync(join(tmpdir(), 'fb-cli-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

/** Run `fb …` in a scratch working directory (its own .fb/ store). */
const fb = (args: string[], env: NodeJS.ProcessEnv = {}) => runFb(cwd, args, env);

describe('CLI: fb run, fb runs, fb show', () => {
  it('runs an experiment on the embedded default, stores it, lists it and shows it as JSON', async () => {
    // A local run costs nothing, so any budget holds it.
    const run = await fb(['run', 'linear-invocation', '--quick', '--param', 'callsPerFunction=3', '--param', 'functions=["function1","function2"]', '--budget', '0']);
    expect(run.stderr).toContain('linear-invocation: starting a RunExperiment execution on the local control plane (quick)');
    expect(run.code).toBe(0);
    // Not a terminal: plain progress lines (each phase, the progress against the quick profile's 15 s), no escape code.
    expect(run.stderr).not.toContain('\x1b');
    expect(run.stderr.match(/^linear-invocation: (\w+) after /gm)?.map((line) => line.split(' ')[1])).toEqual(['starting', 'provisioning', 'running', 'collecting', 'destroying', 'completed']);
    expect(run.stderr).toMatch(/^linear-invocation: preparing · 0% · [\d.]+s elapsed · 0 calls · ETA [\d.]+s$/m);
    expect(run.stderr).toMatch(/^linear-invocation: completed · [\d.]+s elapsed · 6 calls · done$/m);
    expect(run.stdout).toMatch(/linear-invocation: completed/);
    expect(run.stdout).toMatch(/function1\s+3\s+0\s+0\s+0\s+1/);
    expect(existsSync(join(cwd, '.fb', 'pglite'))).toBe(true);

    const runs = await fb(['runs', '--json']);
    expect(runs.code).toBe(0);
    const listed = JSON.parse(runs.stdout) as { id: string; experiment: string; status: string }[];
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ experiment: 'linear-invocation', status: 'completed' });

    const runId = listed[0]?.id ?? '';
    const show = await fb(['show', runId.slice(0, 8), '--json']);
    expect(show.code).toBe(0);
    const shown = JSON.parse(show.stdout);
    expect(shown.run).toMatchObject({ id: runId, experiment: 'linear-invocation', platform: 'local', status: 'completed', params: { callsPerFunction: 3, functions: ['function1', 'function2'] } });
    expect(shown.run.status_history.map((change: { status: string }) => change.status)).toEqual(['starting', 'provisioning', 'running', 'collecting', 'destroying', 'completed']);
    expect(shown.summary).toMatchObject({ invocations: 6, errors: 0, cold: 2 });
    expect(shown.summary.latency_p50_ms).toBeGreaterThan(0);
    expect(shown.summary.functions.map((f: { function_name: string }) => f.function_name)).toEqual(['function1', 'function2']);
    expect(shown.rows).toEqual({});
    // The cost estimate FinishRun stored: nothing billed on the embedded default, and it says so.
    expect(run.stdout).toContain('cost: $0 (estimate');
    expect(shown.run.cost_estimate).toBe(0);
    expect(shown.run.manifest.cost).toMatchObject({ schema: 'fb.cost/1', kind: 'actual', usd: 0, complete: true, items: [{ what: 'lab-function invocations (local)', quantity: 6, usd: 0 }, { what: 'client: this machine', usd: 0 }] });
    expect(shown.run.manifest.cost.notes[0]).toContain('embedded default');
    // And the statistics of lib/stats, per function and cold/warm.
    expect(shown.stats.functions.map((f: { function_name: string }) => f.function_name)).toEqual(['function1', 'function2']);
    expect(shown.stats.functions[0]).toMatchObject({ all: { counts: { invocations: 3 } }, cold: { counts: { invocations: 1 } }, cold_frequency: { k: 1, n: 3, method: 'clopper-pearson' } });
  }, 120_000);

  it('answers bad input with a one-line error and a non-zero exit, writing no run', async () => {
    const cases: [string[], string][] = [
      [['run', 'no-such-experiment'], 'unknown experiment "no-such-experiment"'],
      [['run', 'linear-invocation', '--param', 'calls=3'], 'has no parameter calls'],
      [['runs', '--release', 'ffffffff'], 'give the reason for releasing the run with --reason'],
      [['runs', '--release', 'ffffffff', '--reason', 'stuck since the outage'], 'no run ffffffff'],
      [['run', 'linear-invocation', '--param', 'callsPerFunction=-1'], 'parameter callsPerFunction'],
      [['run', 'linear-invocation', '--platform-option', 'idle-timeout=soon'], 'idle-timeout'],
      [['run', 'linear-invocation', '--platform', 'openfaas', '--gateway-url', 'http://127.0.0.1:1'], 'is unreachable'],
      [['run', 'linear-invocation', '--gateway-url', 'http://127.0.0.1:1'], '--gateway-url goes with --platform openfaas'],
      [['run', 'linear-invocation', '--platform', 'local,aws-lambda'], 'local runs only on this machine\'s control plane and aws-lambda only on the deployed one'],
      [['run', 'linear-invocation', '--platform', 'local,lambda'], '--platform: unknown platform lambda'],
      [['run', '--all', '--platform', 'local,openfaas'], '--all and --parallel run on one platform at a time'],
      [['show', 'ffffffff'], 'no run ffffffff'],
      [['run', 'linear-invocation', '--platform', 'aws-lambda'], 'no deployment configured for aws-lambda'],
      [['run', 'linear-invocation', '--platform', 'aws-lambda', '--budget', '1000'], 'no deployment configured for aws-lambda'],
      [['run', 'coldstart-identifier', '--platform', 'aws-lambda', '--budget', 'cheap'], '--budget must be a non-negative number of USD'],
    ];
    const before = JSON.parse((await fb(['runs', '--json'])).stdout) as unknown[];
    const results = await Promise.all(cases.map(([args]) => fb(args)));
    for (const [index, result] of results.entries()) {
      const [args, message] = cases[index] as [string[], string];
      expect({ args, code: result.code, lines: result.stderr.trim().split('\n').length }).toEqual({ args, code: 1, lines: 1 });
      expect(result.stderr).toContain(message);
    }
    const after = JSON.parse((await fb(['runs', '--json'])).stdout) as unknown[];
    expect(after).toHaveLength(before.length);
  }, 120_000);
});

describe('CLI: fb run --budget', () => {
  it('refuses a cloud run whose prior estimate exceeds the budget, before it looks for the deployment or touches any cloud', async () => {
    // A deployment that looks configured, whose endpoint is a closed loopback port: any call to it would fail differently.
    const cloud = { FB_STATE_MACHINE_ARN: 'arn:aws:states:eu-west-1:123456789012:stateMachine:fb-test', AWS_ENDPOINT_URL_SFN: 'http://127.0.0.1:9', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_MAX_ATTEMPTS: '1' };
    const before = JSON.parse((await fb(['runs', '--json'])).stdout) as unknown[];
    const refused = await fb(['run', 'coldstart-identifier', '--platform', 'aws-lambda', '--budget', '0.0001'], cloud);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^fb: estimated cost \$\d+\.\d+ \(coldstart-identifier on aws-lambda \$\d+\.\d+\) exceeds --budget \$0\.0001; nothing was started$/)]);
    expect(refused.stdout).toBe('');
    expect(JSON.parse((await fb(['runs', '--json'])).stdout)).toHaveLength(before.length);
  }, 60_000);
});

describe('CLI: fb create-experiment', () => {
  it('writes a template that runs with no other edit', async () => {
    const name = `zz-template-${process.pid}`;
    const file = join(EXPERIMENTS_DIR, `${name}.ts`);
    try {
      const created = await fb(['create-experiment', name]);
      expect(created.code).toBe(0);
      expect(existsSync(file)).toBe(true);
      const list = await fb(['list', '--json']);
      expect((JSON.parse(list.stdout) as { name: string }[]).map((e) => e.name)).toContain(name);
      const run = await fb(['run', name, '--quick']);
      expect(run.stderr).toContain(`${name}: starting a RunExperiment execution on the local control plane (quick)`);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(`${name}: completed`);
      const again = await fb(['create-experiment', name]);
      expect(again.code).not.toBe(0);
      expect(again.stderr).toContain('already exists');
    } finally {
      // Out of the catalog first, then the file: the catalog never names a missing module.
      syncExperimentCatalog({ without: [name] });
      rmSync(file, { force: true });
    }
  }, 120_000);
});
