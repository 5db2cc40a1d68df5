import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CATALOG_FILE, EXPERIMENTS_DIR, syncExperimentCatalog } from '../../lib/experiment/catalog-file';
import { EXPERIMENT_NAME, InvalidExperimentError } from '../../lib/experiment/define';
import { LAB_FUNCTION_NAMES } from '../../lab-functions/names';

/**
 * Write `experiments/<name>.ts`: a documented template that runs as it is (`fb run <name>
 * --quick`), for the user to edit, and add it to the experiment catalog. Refuses a bad name or an
 * existing file.
 */
export function createExperimentFile(name: string, dir = EXPERIMENTS_DIR, catalogFile = CATALOG_FILE): string {
  if (!EXPERIMENT_NAME.test(name)) {
    throw new InvalidExperimentError(`experiment name "${name}" must be kebab-case (lower-case letters, digits and single dashes, e.g. my-experiment)`);
  }
  const file = join(dir, `${name}.ts`);
  if (existsSync(file)) throw new InvalidExperimentError(`${file} already exists`);
  writeFileSync(file, template(name), { flag: 'wx' });
  syncExperimentCatalog({ dir, catalogFile });
  return file;
}

function template(name: string): string {
  return `/**
 * ${name}: describe the question this experiment answers.
 *
 * Made by \`fb create-experiment\`. It already runs: \`npx fb run ${name} --quick\`.
 * Edit \`params\`, \`quick\` and \`run\`; the results land in the \`invocations\` table (every
 * record of every answer, errors and throttles included) and in \`experiment_rows\` under the
 * table names you pass to \`bench.record\`. See \`fb show <run-id>\`.
 */
import { z } from 'zod';
import { defineExperiment } from '../lib/experiment';

export default defineExperiment({
  name: '${name}',
  description: 'Calls a lab function in rounds, with an idle gap between rounds. Replace this with your question.',
  // The lab functions it calls: ${LAB_FUNCTION_NAMES.join(', ')}.
  functions: ['function1'],
  // Parameters, each with a default; override with --param key=value (values are JSON).
  params: z.object({
    function: z.enum([${LAB_FUNCTION_NAMES.map((fn) => `'${fn}'`).join(', ')}]).default('function1'),
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
      bench.log(\`round \${round + 1}: \${cold} cold of \${params.callsPerRound}\`);
      await bench.sleep(params.gapSeconds * 1000);
    }
  },
});
`;
}
