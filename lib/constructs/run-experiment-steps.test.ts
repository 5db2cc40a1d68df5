/**
 * What RunExperimentSteps and RunExperimentStateMachine refuse (the stack tests cover the real
 * definition): a definition without the agent's timeout, a Task without one, and step functions
 * that do not match the definition's placeholders.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { describe, expect, it } from 'vitest';
import { ControlPlaneFunction } from './control-plane-function';
import type { ControlPlaneResults } from './control-plane-results';
import { ControlPlaneDefinitionError, type RunExperimentDefinition, readRunExperimentDefinition } from './run-experiment-definition';
import { RunExperimentStateMachine } from './run-experiment-state-machine';
import { RunExperimentSteps } from './run-experiment-steps';

function testStack(): { stack: Stack; results: ControlPlaneResults } {
  const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
  const secret = secretsmanager.Secret.fromSecretNameV2(stack, 'Secret', 'results');
  const cluster = rds.DatabaseCluster.fromDatabaseClusterAttributes(stack, 'Cluster', { clusterIdentifier: 'results', dataApiEnabled: true, secret });
  return { stack, results: { cluster, secret, bucket: s3.Bucket.fromBucketName(stack, 'Bucket', 'results'), databaseName: 'db', rawResultsPrefix: 'raw/' } };
}

const definition = (asl: object, states: RunExperimentDefinition['states'] = new Map()): RunExperimentDefinition => ({
  file: 'test.asl.json',
  asl: JSON.stringify(asl),
  states,
  agentTimeoutSeconds: 3600,
});

describe('Construct: RunExperimentSteps', () => {
  it('refuses a definition whose agent Task has no TimeoutSeconds', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'asl-')), 'run-experiment.asl.json');
    writeFileSync(file, JSON.stringify({ StartAt: 'RunAgent', States: { RunAgent: { Type: 'Task', End: true } } }));
    expect(() => readRunExperimentDefinition(file)).toThrow(ControlPlaneDefinitionError);
  });

  it('refuses a step whose Task has no TimeoutSeconds, since its Lambda timeout would be unknown', () => {
    const { stack, results } = testStack();
    expect(() => new RunExperimentSteps(stack, 'Steps', { definition: definition({}), results, callbackUrl: 'https://example.org/callback' })).toThrow(
      /test\.asl\.json: Task ValidateInput has no TimeoutSeconds/,
    );
  });
});

describe('Construct: RunExperimentStateMachine', () => {
  it('refuses steps that do not fill exactly the placeholders of the definition', () => {
    const { stack } = testStack();
    const fn = new ControlPlaneFunction(stack, 'ValidateInput', { entry: 'lambdas/steps/validate-input.ts', description: 'a step' });
    // biome-ignore lint/suspicious/noTemplateCurlyInString: an ASL placeholder, not a template literal
    const asl = { StartAt: 'A', States: { A: { Type: 'Task', Resource: '${ValidateInputFunctionArn}', Next: 'B' }, B: { Type: 'Task', Resource: '${AcquireLockFunctionArn}', End: true } } };
    // A construct id per attempt: a construct that threw is still in the tree.
    let attempt = 0;
    const make = (steps: Record<string, ControlPlaneFunction>) => () =>
      new RunExperimentStateMachine(stack, `RunExperiment${++attempt}`, { stateMachineName: 'test-RunExperiment', definition: definition(asl), steps });
    expect(make({ ValidateInput: fn })).toThrow(/has placeholders AcquireLockFunctionArn, ValidateInputFunctionArn, but the stack substitutes ValidateInputFunctionArn$/);
    expect(make({ ValidateInput: fn, AcquireLock: fn, Extra: fn })).toThrow(ControlPlaneDefinitionError);
  });
});
