import { resolve } from 'node:path';

/**
 * Where `npm run build:agent` (client-agent/build.ts) puts the agent bundle: the one file a client
 * machine downloads at boot and runs with `node agent.js <plan.json>`.
 */
export const AGENT_BUNDLE_FILE = resolve(__dirname, '..', '..', 'dist', 'agent', 'agent.js');
