/**
 * Bundles the client agent into one file, `dist/agent/agent.js`, that needs only Node 20: what a
 * client machine downloads at boot (lib/platforms/client/boot-script.ts) and runs with
 * `node agent.js <plan.json>`. Run with `npm run build:agent`.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { AGENT_BUNDLE_FILE } from '../lib/agent/bundle';
import { gitCommit } from '../lib/version';

export async function buildAgentBundle(outFile = AGENT_BUNDLE_FILE): Promise<{ file: string; bytes: number }> {
  const { version } = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
  await build({
    entryPoints: [join(__dirname, 'bundle-entry.ts')],
    outfile: outFile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    define: { FB_AGENT_VERSION: JSON.stringify(version), FB_COMMIT: JSON.stringify(gitCommit(join(__dirname, '..')) ?? '') },
    logLevel: 'error',
  });
  return { file: outFile, bytes: statSync(outFile).size };
}

if (require.main === module) {
  buildAgentBundle().then(
    ({ file, bytes }) => console.log(`${file}: ${(bytes / 1024).toFixed(1)} KiB`),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : String(error));
      process.exit(1);
    },
  );
}
