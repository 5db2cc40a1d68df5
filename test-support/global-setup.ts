import { buildAgentBundle } from '../client-agent/build';
import { buildFunctions } from '../lab-functions/build';

/**
 * Build every lab-function bundle and the agent bundle once before the tests: platform tests start
 * real instances of them, and the control-plane tests run the bundled agent as client machines do.
 */
export default async function setup(): Promise<void> {
  await Promise.all([buildFunctions(), buildAgentBundle()]);
}
