/**
 * `fb run <experiment> --platform local,openfaas`: one RunExperiment execution on the local control
 * plane whose Map runs both platforms in parallel — `local`, the run's own local platform, and
 * `openfaas`, a second local platform started here (it speaks the OpenFaaS gateway API) with a
 * 2 s cold-start delay, so the two branches measure different platforms. The real CLI runs once;
 * its store is then read for the runs it made.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openResultsStore } from '../../lib/results/open-store';
import type { RunRow, RunStatus } from '../../lib/results/types';
import { latencyMsOf } from '../../lib/stats/invocation-latency';
import { startLocalPlatform } from '../../local/platform/start';
import { runFb } from '../../test-support/cli';

const cwd = mkdtempSync(join(tmpdir(), 'fb-several-platforms-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

/** The time of a run's first change to `status`, in ms since the epoch. */
function timeOf(run: RunRow, status: RunStatus): number {
  const change = run.status_history.find((entry) => entry.status === status);
  if (!change) throw new Error(`run ${run.id} (${run.platform}) never was ${status}`);
  return Date.parse(change.at);
}

describe('fb run --platform local,openfaas', () => {
  it('runs both platforms in parallel in one execution, stores one run per platform, and shows each', async () => {
    const initDelayMs = 2000;
    // The second platform: no lab functions of its own; the run deploys its per-run copies to it.
    const gateway = await startLocalPlatform({ port: 0, deployLabFunctions: false, initDelayMs });
    try {
      const cli = await runFb(
        cwd,
        ['run', 'linear-invocation', '--quick', '--platform', 'local,openfaas', '--gateway-url', gateway.url, '--param', 'callsPerFunction=3', '--param', 'functions=["function1"]'],
        { FB_GATEWAY_USER: gateway.credentials.user, FB_GATEWAY_PASSWORD: gateway.credentials.password },
      );
      expect(cli.stderr).toContain('linear-invocation: starting a RunExperiment execution on the local control plane over local, openfaas, in parallel (quick)');
      expect(cli.code).toBe(0);

      // Progress: each platform's phases and its own progress line, through to done.
      for (const platform of ['local', 'openfaas']) {
        expect(cli.stderr.match(new RegExp(`^linear-invocation on ${platform}: (\\w+) after `, 'gm'))?.map((line) => line.split(' ')[3])).toEqual(['starting', 'provisioning', 'running', 'collecting', 'destroying', 'completed']);
        expect(cli.stderr).toMatch(new RegExp(`^linear-invocation on ${platform}: completed · [\\d.]+s elapsed · 3 calls · done$`, 'm'));
      }
      // Closing output: each platform's run with its table, then the headline compared.
      expect(cli.stdout).toMatch(/^linear-invocation on local: completed \(run [0-9a-f-]{36}\)$/m);
      expect(cli.stdout).toMatch(/^linear-invocation on openfaas: completed \(run [0-9a-f-]{36}\)$/m);
      expect(cli.stdout.match(/^function1\s+3\s+0\s+0\s+0\s+1\s/gm)).toHaveLength(2);
      expect(cli.stdout).toMatch(/^warm_round_trip_median by platform: local [\d.]+ ms · openfaas [\d.]+ ms/m);

      const store = await openResultsStore({ dataDir: join(cwd, '.fb', 'pglite') });
      try {
        const runs = await store.listRuns({ limit: 10 });
        expect(runs.map((run) => [run.platform, run.status]).sort()).toEqual([
          ['local', 'completed'],
          ['openfaas', 'completed'],
        ]);
        // One execution: both rows carry its id.
        expect(new Set(runs.map((run) => run.execution_id)).size).toBe(1);
        expect(runs[0]?.execution_id).toMatch(/^arn:aws:states:local:/);
        // In parallel: each run was provisioned before the other completed (one after the other, they would not overlap).
        const [a, b] = runs as [RunRow, RunRow];
        expect(timeOf(a, 'provisioning')).toBeLessThan(timeOf(b, 'completed'));
        expect(timeOf(b, 'provisioning')).toBeLessThan(timeOf(a, 'completed'));

        // Each measured its own platform: the first (cold) call pays the second platform's start-up delay.
        const coldLatencyMs = async (platform: string) => {
          const run = runs.find((row) => row.platform === platform) as RunRow;
          const cold = (await store.invocations(run.id)).filter((row) => row.cold === true);
          expect(cold).toHaveLength(1);
          return latencyMsOf(cold[0] as Parameters<typeof latencyMsOf>[0]) ?? Number.NaN;
        };
        const [localCold, openfaasCold] = [await coldLatencyMs('local'), await coldLatencyMs('openfaas')];
        expect(openfaasCold).toBeGreaterThanOrEqual(initDelayMs);
        expect(openfaasCold - localCold).toBeGreaterThan(initDelayMs / 2);
      } finally {
        await store.close();
      }
    } finally {
      await gateway.stop();
    }
  }, 90_000);
});
