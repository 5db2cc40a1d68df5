/**
 * The entry of the agent bundle that client machines run (`node agent.js <plan.json>`): the
 * experiments are imported statically (a bundle has no `experiments/` folder to read).
 */
import { installBundledExperiments } from '../lambdas/shared/experiment-catalog';
import { main } from './main';

declare const FB_AGENT_VERSION: string;

export function bundleMain(argv: string[]): void {
  if (argv[0] === '--version') {
    console.log(`faas-benchmarker agent ${typeof FB_AGENT_VERSION === 'string' ? FB_AGENT_VERSION : 'dev'}`);
    return;
  }
  installBundledExperiments();
  main(argv);
}

bundleMain(process.argv.slice(2));
