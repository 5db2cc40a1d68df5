#!/usr/bin/env node
// The client agent's entry: `node bin/agent.js <plan.json>`. Runs the TypeScript through tsx, as fb does.
require('tsx/cjs');
require('../client-agent/main.ts').main(process.argv.slice(2));
