/**
 * Bundles every lab function for every platform with esbuild: one self-contained artifact per
 * function per platform under `dist/functions/<platform>/<function>/`.
 *
 * - aws-lambda: `index.js` exporting `handler` (CommonJS, Node 20+; the runtime's AWS SDK v3).
 * - azure-functions: a function-app folder: `index.js` registering the HTTP trigger with the v4
 *   programming model, `package.json` whose `main` points at it, and `host.json`.
 * - openfaas: `index.js`, the HTTP server the of-watchdog (and the local platform) starts, and
 *   beside it a copy of `adapters/openfaas/Dockerfile`, so the folder is the image's whole build
 *   context (`docker build dist/functions/openfaas/<function>`, CDK's container assets).
 *
 * Run with `npm run build:functions`; prints the size of each artifact.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { build } from 'esbuild';
import { LAB_FUNCTION_NAMES, type LabFunctionName } from './names';

/** The platforms the lab functions are bundled for (each has an adapter in `adapters/`). */
export const PLATFORMS = ['aws-lambda', 'azure-functions', 'openfaas'] as const;
export type Platform = (typeof PLATFORMS)[number];

const LAB_FUNCTIONS_DIR = __dirname;
/** Where bundles go unless told otherwise: `<repo>/dist/functions`. */
export const DEFAULT_OUT_DIR = resolve(LAB_FUNCTIONS_DIR, '..', 'dist', 'functions');

export interface BuiltArtifact {
  platform: Platform;
  functionName: LabFunctionName;
  /** The bundle's entry file. */
  file: string;
  bytes: number;
}

export interface BuildOptions {
  outDir?: string;
  platforms?: readonly Platform[];
  functions?: readonly LabFunctionName[];
  minify?: boolean;
}

/** The Dockerfile of the OpenFaaS images, copied into each OpenFaaS bundle folder by the build. */
export const OPENFAAS_DOCKERFILE = join(LAB_FUNCTIONS_DIR, 'adapters', 'openfaas', 'Dockerfile');

/** The path of a function's bundle for a platform, whether or not it has been built. */
export function bundlePath(platform: Platform, functionName: string, outDir = DEFAULT_OUT_DIR): string {
  return join(outDir, platform, functionName, 'index.js');
}

function entrySource(platform: Platform, functionName: LabFunctionName): string {
  const definition = JSON.stringify(join(LAB_FUNCTIONS_DIR, 'functions', functionName));
  const adapters = join(LAB_FUNCTIONS_DIR, 'adapters');
  switch (platform) {
    case 'aws-lambda':
      return `import definition from ${definition};
import { createLambdaHandler } from ${JSON.stringify(join(adapters, 'aws-lambda', 'handler'))};
export const handler = createLambdaHandler(definition);`;
    case 'azure-functions':
      return `import definition from ${definition};
import { registerAzureFunction } from ${JSON.stringify(join(adapters, 'azure-functions', 'handler'))};
registerAzureFunction(definition);`;
    case 'openfaas':
      return `import definition from ${definition};
import { startOpenFaasFunction } from ${JSON.stringify(join(adapters, 'openfaas', 'main'))};
startOpenFaasFunction(definition);`;
  }
}

/** Bundle the requested functions for the requested platforms (all of them by default). */
export async function buildFunctions(options: BuildOptions = {}): Promise<BuiltArtifact[]> {
  const outDir = options.outDir ?? DEFAULT_OUT_DIR;
  const jobs: Promise<BuiltArtifact>[] = [];
  for (const platform of options.platforms ?? PLATFORMS) {
    for (const functionName of options.functions ?? LAB_FUNCTION_NAMES) {
      jobs.push(buildOne(platform, functionName, outDir, options.minify ?? true));
    }
  }
  return Promise.all(jobs);
}

async function buildOne(platform: Platform, functionName: LabFunctionName, outDir: string, minify: boolean): Promise<BuiltArtifact> {
  const file = bundlePath(platform, functionName, outDir);
  const result = await build({
    stdin: { contents: entrySource(platform, functionName), resolveDir: LAB_FUNCTIONS_DIR, loader: 'ts', sourcefile: `${platform}-${functionName}.ts` },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify,
    legalComments: 'none',
    outfile: file,
    external: externalModules(platform),
    logLevel: 'warning',
    write: false,
  });
  const contents = result.outputFiles[0]?.contents;
  if (!contents) throw new Error(`esbuild produced no output for ${platform}/${functionName}`);
  writeAtomically(file, contents);
  if (platform === 'azure-functions') writeAzureAppFiles(join(outDir, platform, functionName), functionName);
  if (platform === 'openfaas') writeAtomically(join(dirname(file), 'Dockerfile'), readFileSync(OPENFAAS_DOCKERFILE));
  return { platform, functionName, file, bytes: contents.byteLength };
}

/**
 * Modules the platform provides at run time. `@azure/functions-core` comes from the Functions
 * host and is never installed in an app. The AWS SDK v3 ships in every Node.js Lambda runtime,
 * so, as CDK's NodejsFunction does by default, the Lambda bundles leave it out.
 */
function externalModules(platform: Platform): string[] {
  if (platform === 'azure-functions') return ['@azure/functions-core'];
  if (platform === 'aws-lambda') return ['@aws-sdk/*'];
  return [];
}

/**
 * Write through a temporary file and a rename, so a process starting from the bundle (a local
 * platform instance) never reads a half-written file while another build runs.
 */
function writeAtomically(file: string, contents: Uint8Array): void {
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(temporary, contents);
  renameSync(temporary, file);
}

function writeAzureAppFiles(appDir: string, functionName: string): void {
  const packageJson = { name: `fb-${functionName}`, version: '1.0.0', private: true, main: 'index.js' };
  writeAtomically(join(appDir, 'package.json'), Buffer.from(`${JSON.stringify(packageJson, null, 2)}\n`));
  const hostJson = {
    version: '2.0',
    extensionBundle: { id: 'Microsoft.Azure.Functions.ExtensionBundle', version: '[4.*, 5.0.0)' },
    logging: { logLevel: { default: 'Information' } },
  };
  writeAtomically(join(appDir, 'host.json'), Buffer.from(`${JSON.stringify(hostJson, null, 2)}\n`));
}

function formatKiB(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

async function main(): Promise<void> {
  const started = Date.now();
  const artifacts = await buildFunctions();
  for (const artifact of artifacts) {
    console.log(`${artifact.platform.padEnd(16)} ${artifact.functionName.padEnd(10)} ${formatKiB(artifact.bytes).padStart(12)}  ${artifact.file}`);
  }
  console.log(`built ${artifacts.length} bundles in ${Date.now() - started} ms`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
