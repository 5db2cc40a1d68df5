import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BuiltArtifact, buildFunctions, PLATFORMS } from './build';
import { LAB_FUNCTION_NAMES } from './names';

describe('Build: one bundle per function per platform', () => {
  let outDir: string;
  let artifacts: BuiltArtifact[];

  beforeAll(async () => {
    // Inside the repository, so the Lambda bundle resolves the AWS SDK from node_modules the way
    // it resolves the runtime's copy on Lambda.
    const scratch = join(__dirname, '..', 'dist', 'test-builds');
    mkdirSync(scratch, { recursive: true });
    outDir = mkdtempSync(join(scratch, 'build-'));
    artifacts = await buildFunctions({ outDir });
  });
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it('builds all twelve artifacts where bundlePath says', () => {
    expect(artifacts).toHaveLength(PLATFORMS.length * LAB_FUNCTION_NAMES.length);
    for (const artifact of artifacts) {
      expect(artifact.file).toBe(join(outDir, artifact.platform, artifact.functionName, 'index.js'));
      expect(readFileSync(artifact.file).byteLength).toBe(artifact.bytes);
    }
  });

  it('makes the monolith many times larger than function1 on every platform', () => {
    for (const platform of PLATFORMS) {
      const size = (name: string) => artifacts.find((a) => a.platform === platform && a.functionName === name)?.bytes ?? 0;
      expect(size('monolith') / size('function1')).toBeGreaterThan(5);
    }
  });

  it('lays out each Azure bundle as a v4 function app', () => {
    for (const name of LAB_FUNCTION_NAMES) {
      const appDir = join(outDir, 'azure-functions', name);
      expect(JSON.parse(readFileSync(join(appDir, 'package.json'), 'utf8')).main).toBe('index.js');
      expect(JSON.parse(readFileSync(join(appDir, 'host.json'), 'utf8')).version).toBe('2.0');
      expect(existsSync(join(appDir, 'function.json'))).toBe(false);
    }
  });

  it('produces a Lambda bundle whose handler answers a direct invocation', async () => {
    const { handler } = require(join(outDir, 'aws-lambda', 'function2', 'index.js')) as {
      handler: (event: unknown, context: unknown) => Promise<{ statusCode: number; body: string }>;
    };
    const context = {
      functionName: 'fb-function2',
      functionVersion: '$LATEST',
      invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:fb-function2',
      memoryLimitInMB: '512',
      awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
      logGroupName: '/aws/lambda/fb-function2',
      logStreamName: '2026/11/27/[$LATEST]0123456789abcdef0123456789abcdef',
      getRemainingTimeInMillis: () => 30_000,
      callbackWaitsForEmptyEventLoop: true,
    };
    const answer = await handler({ sleep: 0 }, context);
    expect(answer.statusCode).toBe(200);
    const body = JSON.parse(answer.body);
    expect(body[body.root_identifier]).toMatchObject({ function_name: 'function2', memory_mb: 512, platform: 'aws-lambda', cold: true });
  });
});
