/**
 * `stack.yml` cannot drift from the lab functions: the committed file is what the generator
 * renders now, it lists every lab function with the environment and labels the provisioner
 * deploys with, and each function's build context is the folder where `npm run build:functions`
 * puts its bundle and the Dockerfile.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundlePath } from '../../../lab-functions/build';
import { LAB_FUNCTION_NAMES } from '../../../lab-functions/names';
import { IN_CLUSTER_GATEWAY_URL, LAB_FUNCTION_LABELS, labFunctionEnv } from './lab-function-deployment';
import { renderStackYml, STACK_YML_PATH, stackFunctions } from './stack-yml';

describe.concurrent('stack.yml', () => {
  it('is committed exactly as the generator renders it (regenerate: npx tsx lib/platforms/openfaas/stack-yml.ts)', () => {
    expect(readFileSync(STACK_YML_PATH, 'utf8')).toBe(renderStackYml());
  });

  it('lists every lab function, deployed under its plain name with the provisioner environment and labels', () => {
    const functions = stackFunctions();
    expect(Object.keys(functions)).toEqual([...LAB_FUNCTION_NAMES]);
    for (const fn of Object.values(functions)) {
      expect(fn.environment).toEqual(labFunctionEnv('', IN_CLUSTER_GATEWAY_URL));
      expect(fn.labels).toEqual(LAB_FUNCTION_LABELS);
    }
    const text = renderStackYml();
    for (const name of LAB_FUNCTION_NAMES) expect(text).toContain(`\n  ${name}:\n    lang: dockerfile\n`);
    expect(text).toContain('      FB_FUNCTION_PREFIX: ""\n');
    expect(text).toContain('      com.openfaas.scale.zero: "true"\n');
  });

  it("builds each image from the function's bundle folder, which holds the bundle and the Dockerfile", () => {
    // The global test setup ran `npm run build:functions`' build into dist/functions.
    for (const [name, fn] of Object.entries(stackFunctions())) {
      const context = resolve(dirname(STACK_YML_PATH), fn.handler);
      expect(context).toBe(dirname(bundlePath('openfaas', name)));
      expect(existsSync(join(context, 'index.js')), name).toBe(true);
      expect(existsSync(join(context, 'Dockerfile')), name).toBe(true);
      expect(fn.image).toBe(`\${REGISTRY:-localhost:5000}/faas-benchmarker-${name}:\${TAG:-latest}`);
    }
  });
});
