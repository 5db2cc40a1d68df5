/**
 * The entry of the agent bundle that client machines run (`node agent.js <plan.json>`). The
 * experiments come with it through the static catalog (lib/experiment/catalog.ts).
 */
import { main } from './main';

declare const FB_AGENT_VERSION: string;

export function bundleMain(argv: string[]): void {
  if (argv[0] === '--version') {
    console.log(`faas-benchmarker agent ${typeof FB_AGENT_VERSION === 'string' ? FB_AGENT_VERSION : 'dev'}`);
    return;
  }
  main(argv);
}

bundleMain(process.argv.slice(2));
