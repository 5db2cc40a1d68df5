import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineExperiment } from '../../experiment/define';
import { resolveParams } from '../../experiment/params';
import { findExperiment } from '../../experiment/registry';
import { DATA_API_REQUESTS_PER_RUN, LAMBDA_INIT_MS_ASSUMED } from '../assumptions';
import { AZURE_VM_HOURLY, PRICES } from '../prices';
import { countStateTransitions, readinessWaitSeconds } from '../state-transitions';
import { MODEL_PLATFORMS } from './model-platform';
import { priorEstimate } from './prior-estimate';

/** Ten calls that each sleep 1 s, then an hour's idle: every quantity of its estimate follows by hand. */
const tenCallsThenAnHour = defineExperiment({
  name: 'ten-calls-then-an-hour',
  description: 'A fixture.',
  functions: ['function1'],
  params: z.object({ calls: z.number().int().default(10), coldTimeSeconds: z.number().positive().optional() }),
  coldTime: { function: 'function1', defaultSeconds: 1200 },
  quick: { timeScale: 0.5, expectedDuration: '1s' },
  async run(bench, { calls, coldTimeSeconds }) {
    for (let i = 0; i < calls; i++) await bench.invoke('function1', { sleep: 1 });
    await bench.sleep(3_600_000);
    bench.record('waited', { cold_time_s: coldTimeSeconds ?? null });
  },
});

const item = (estimate: Awaited<ReturnType<typeof priorEstimate>>, what: string) => estimate.items.find((entry) => entry.what === what);

describe('Function: priorEstimate', () => {
  it('prices what a dry run of the experiment does on the platform’s model, plus the machinery’s setup and wind-down', async () => {
    const model = MODEL_PLATFORMS['aws-lambda'];
    if (!model) throw new Error('no model');
    const estimate = await priorEstimate({ experiment: tenCallsThenAnHour, params: { calls: 10 }, quick: false, platform: 'aws-lambda', controlPlane: 'deployed' });
    // One cold call, nine warm: each runs its 1 s sleep plus the model's overhead, at 1 GB.
    const executionMs = 1000 + model.executionOverheadMs;
    const wallSeconds = (10 * (model.networkRttMs + executionMs) + model.coldStartMs) / 1000 + 3600;
    expect(estimate).toMatchObject({ kind: 'prior', complete: true });
    expect(item(estimate, 'AWS Lambda requests')?.quantity).toBe(10);
    expect(item(estimate, 'AWS Lambda compute')?.quantity).toBeCloseTo((10 * executionMs) / 1000, 9);
    expect(item(estimate, 'AWS Lambda INIT of cold starts')?.quantity).toBeCloseTo(LAMBDA_INIT_MS_ASSUMED / 1000, 9);
    expect(item(estimate, 'API Gateway REST API calls')?.quantity).toBe(10);
    const clientHours = (model.clientSetupSeconds + wallSeconds + model.clientWindDownSeconds) / 3600;
    expect(item(estimate, 'client: Azure VM Standard_D2s_v5')?.quantity).toBeCloseTo(clientHours, 9);
    expect(item(estimate, 'client: Azure VM Standard_D2s_v5')?.usd).toBeCloseTo(clientHours * (AZURE_VM_HOURLY.Standard_D2s_v5?.usd ?? Number.NaN), 12);
    const wait = readinessWaitSeconds('functions');
    expect(item(estimate, 'Step Functions state transitions')?.quantity).toBe(countStateTransitions({ functions: Math.ceil(model.functionsSetupSeconds / wait), client: Math.ceil(model.clientSetupSeconds / wait) }));
    expect(item(estimate, 'RDS Data API requests')?.quantity).toBe(DATA_API_REQUESTS_PER_RUN + Math.floor(wallSeconds / 60));
    expect(item(estimate, 'AWS Lambda requests')?.usd).toBeCloseTo(10 * PRICES.lambdaRequest.usd, 15);
    expect(estimate.usd).toBeCloseTo(estimate.items.reduce((total, entry) => total + (entry.usd ?? 0), 0), 12);
    expect(estimate.inputs).toMatchObject({ dryRun: { calls: 10, experimentRows: 1, stoppedBy: null }, resultRows: 11, timeScale: 1 });
    expect(estimate.notes[0]).toContain('from a dry run of ten-calls-then-an-hour: 10 calls over 1.0 h of run time');
    expect(estimate.notes).toContain('cold time assumed 1200 s (the default; the run may use a measured one)');
  });

  it('prices an azure-functions run on the plan it will get: Flex Consumption at 2048 MB by default, each call its own activity period; Consumption when asked', async () => {
    const model = MODEL_PLATFORMS['azure-functions'];
    if (!model) throw new Error('no model');
    // Each call sleeps 1 s plus the model's overhead; Flex bills a period at least 1 s, in 100 ms steps.
    const executionMs = 1000 + model.executionOverheadMs;
    const flex = await priorEstimate({ experiment: tenCallsThenAnHour, params: { calls: 10 }, quick: false, platform: 'azure-functions', controlPlane: 'deployed' });
    expect(item(flex, 'Azure Functions executions (Flex Consumption, on demand)')?.quantity).toBe(10);
    const flexTime = item(flex, 'Azure Functions instance time (Flex Consumption, on demand)');
    expect(flexTime?.quantity).toBeCloseTo(((10 * Math.max(1000, Math.ceil(executionMs / 100) * 100)) / 1000) * 2, 9);
    expect(flexTime?.note).toContain('an upper bound');
    const larger = await priorEstimate({ experiment: tenCallsThenAnHour, params: { calls: 10 }, quick: false, platform: 'azure-functions', platformOptions: { memoryMb: 4096 }, controlPlane: 'deployed' });
    expect(item(larger, 'Azure Functions instance time (Flex Consumption, on demand)')?.quantity).toBeCloseTo(2 * (flexTime?.quantity ?? Number.NaN), 9);
    const consumption = await priorEstimate({ experiment: tenCallsThenAnHour, params: { calls: 10 }, quick: false, platform: 'azure-functions', platformOptions: { azureFunctionsPlan: 'consumption' }, controlPlane: 'deployed' });
    expect(item(consumption, 'Azure Functions execution time')?.quantity).toBeCloseTo(((10 * executionMs) / 1000) * 1.5, 9);
    expect(item(consumption, 'Azure Functions executions (Flex Consumption, on demand)')).toBeUndefined();
  });

  it('scales the run’s sleeps with --quick, and prices a run on this machine at 0', async () => {
    const quick = await priorEstimate({ experiment: tenCallsThenAnHour, params: {}, quick: true, platform: 'aws-lambda', controlPlane: 'deployed' });
    expect((quick.inputs.dryRun as { wallSeconds: number }).wallSeconds).toBeLessThan(1900);
    const local = await priorEstimate({ experiment: tenCallsThenAnHour, params: {}, quick: false, platform: 'local', controlPlane: 'local' });
    expect(local).toMatchObject({ usd: 0, complete: true });
  });

  it('prices the client machine the experiment declares (scenario-pyramid: the original\'s four-core VM)', async () => {
    const pyramid = findExperiment('scenario-pyramid');
    const estimate = await priorEstimate({ experiment: pyramid, params: resolveParams(pyramid, { quick: true, overrides: {} }), quick: true, platform: 'aws-lambda', controlPlane: 'deployed', limits: { maxRealMs: 300 } });
    const vm = estimate.items.find((entry) => entry.what === `client: Azure VM ${pyramid.client?.azureVmSize}`);
    expect(vm?.usd).toBeGreaterThan(0);
    // Its open-loop schedule runs on the dry run's virtual clock: to its end, in far less real time than the schedule.
    expect(estimate.complete).toBe(true);
    const dryRun = estimate.inputs.dryRun as { calls: number; wallSeconds: number; stoppedBy: string | null };
    expect(dryRun.stoppedBy).toBeNull();
  });


  it('calls an estimate a lower bound when the dry run cannot keep up with an experiment on real timers', async () => {
    const realTimers = defineExperiment({
      name: 'real-timers',
      description: 'A fixture that waits on real timers, as open-loop load does.',
      functions: ['function1'],
      params: z.object({}),
      quick: { timeScale: 1, expectedDuration: '1s' },
      async run(bench) {
        for (;;) {
          await new Promise((resolve) => setTimeout(resolve, 20));
          await bench.invoke('function1');
        }
      },
    });
    const estimate = await priorEstimate({ experiment: realTimers, params: {}, quick: false, platform: 'aws-lambda', controlPlane: 'deployed', limits: { maxRealMs: 200 } });
    expect(estimate.complete).toBe(false);
    expect(estimate.notes).toContainEqual(expect.stringMatching(/^incomplete: the dry run stopped at 200 ms of dry-run time .*, so the total is a lower bound$/));
    expect(estimate.inputs).toMatchObject({ dryRun: { stoppedBy: expect.stringContaining('200 ms of dry-run time') } });
  });

  it('dry-runs a real experiment to its end: coldstart-identifier idles at least the model’s idle timeout to find it', async () => {
    const coldstartIdentifier = findExperiment('coldstart-identifier');
    const params = resolveParams(coldstartIdentifier, { quick: false, overrides: {} });
    const estimate = await priorEstimate({ experiment: coldstartIdentifier, params, quick: false, platform: 'aws-lambda', controlPlane: 'deployed' });
    const dryRun = estimate.inputs.dryRun as { calls: number; wallSeconds: number; stoppedBy: string | null };
    expect(dryRun.stoppedBy).toBeNull();
    expect(dryRun.wallSeconds).toBeGreaterThan(MODEL_PLATFORMS['aws-lambda']?.idleTimeoutSeconds ?? Number.POSITIVE_INFINITY);
    expect(dryRun.calls).toBeGreaterThan(5);
    expect(estimate.usd).toBeGreaterThan(0);
  });
});
