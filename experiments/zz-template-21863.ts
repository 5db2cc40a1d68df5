/**
 * zz-template-21863: describe the question this experiment answers.
 *
 * Made by `fb create-experiment`. It already runs: `npx fb run zz-template-21863 --quick`.
 * Edit `params`, `quick` and `run`; the results land in the `invocations` table (every
 * record of every answer, errors and throttles included) and in `experiment_rows` under the
 * table names you pass to `bench.record`. See `fb show <run-id>`.
 */
import { z } from 'zod';
import { defineExperiment } from '../lib/experiment';

export default defineExperiment({
  name: 'zz-template-21863',
  description: 'Calls a lab function in rounds, with an idle gap between rounds. Replace this with your question.',
  // The lab functions it calls: function1, function2, function3, monolith.
  functions: ['function1'],
  // Parameters, each with a default; override with --param key=value (values are JSON).
  params: z.object({
    function: z.enum(['function1', 'function2', 'function3', 'monolith']).default('function1'),
    /** Rounds of calls. */
    rounds: z.number().int().positive().default(3),
    /** Sequential calls per round. */
    callsPerRound: z.number().int().positive().default(10),
    /** Concurrent calls at the end of each round. */
    concurrentCalls: z.number().int().min(0).default(4),
    /** Idle gap between rounds, in experiment seconds (scaled by quick.timeScale with --quick). */
    gapSeconds: z.number().min(0).default(600),
  }),
  // --quick: parameter overrides and a time scale so the run takes seconds on the local platform.
  quick: {
    params: { rounds: 2, callsPerRound: 5 },
    timeScale: 0.01,
    platform: { profile: 'lambda' },
    expectedDuration: '15s',
  },
  async run(bench, params) {
    for (let round = 0; round < params.rounds; round++) {
      let cold = 0;
      for (let call = 0; call < params.callsPerRound; call++) {
        const result = await bench.invoke(params.function, { sleep: 0.01 });
        if (result.root?.cold) cold += 1;
      }
      const batch = params.concurrentCalls ? await bench.invokeConcurrently(params.function, params.concurrentCalls) : [];
      bench.record('rounds', {
        round,
        cold_sequential: cold,
        concurrent_ok: batch.filter((result) => result.status === 'ok').length,
        concurrent_instances: new Set(batch.map((result) => result.root?.instance_identifier)).size,
      });
      bench.log(`round ${round + 1}: ${cold} cold of ${params.callsPerRound}`);
      await bench.sleep(params.gapSeconds * 1000);
    }
  },
});
