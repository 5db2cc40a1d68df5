#!/usr/bin/env node
// The `fb` command: runs the TypeScript CLI through tsx, so no build step stands between a
// fresh `npm ci` and `npx fb ...`.
require('tsx/cjs');
require('./fb.ts').main(process.argv);
