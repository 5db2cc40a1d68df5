#!/usr/bin/env node
// The `fb` command: runs the TypeScript CLI through tsx, so no build step stands between a
// fresh `npm ci` and `npx fb ...`. The experiment catalog is brought up to date with
// experiments/ first, so that adding an experiment is adding its file.
require('tsx/cjs');
require('../lib/experiment/catalog-file.ts').syncExperimentCatalog();
require('./fb.ts').main(process.argv);
