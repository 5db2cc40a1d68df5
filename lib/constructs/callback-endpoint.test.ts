/** CallbackEndpoint's throttle props reach the `$default` stage, and its URL is the route on that stage. */
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { describe, expect, it } from 'vitest';
import { CallbackEndpoint } from './callback-endpoint';

function testStack() {
  const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
  const secret = secretsmanager.Secret.fromSecretNameV2(stack, 'Secret', 'results');
  const cluster = rds.DatabaseCluster.fromDatabaseClusterAttributes(stack, 'Cluster', { clusterIdentifier: 'results', dataApiEnabled: true, secret });
  const results = { cluster, secret, bucket: new s3.Bucket(stack, 'Bucket', { encryption: s3.BucketEncryption.KMS }), databaseName: 'db', rawResultsPrefix: 'raw/' };
  return { stack, results };
}

describe('Construct: CallbackEndpoint', () => {
  it('throttles the stage at the given rate and burst, and gives the URL of POST /callback', () => {
    const { stack, results } = testStack();
    const endpoint = new CallbackEndpoint(stack, 'Callback', { apiName: 'test-callback', results, rateLimitPerSecond: 5, burstLimitRequests: 7 });

    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { Name: 'test-callback' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', { DefaultRouteSettings: { ThrottlingRateLimit: 5, ThrottlingBurstLimit: 7 } });
    expect(stack.resolve(endpoint.url)).toEqual({
      'Fn::Join': ['', ['https://', { Ref: stack.getLogicalId(endpoint.api.node.defaultChild as CfnElement) }, '.execute-api.eu-west-1.', { Ref: 'AWS::URLSuffix' }, '/callback']],
    });
  });

  it('keeps its resources under its own node, so a stack may have two', () => {
    const { stack, results } = testStack();
    const first = new CallbackEndpoint(stack, 'Callback', { apiName: 'first-callback', results });
    const second = new CallbackEndpoint(stack, 'OtherCallback', { apiName: 'second-callback', results });
    expect(first.api.node.path).toBe('Test/Callback/Api');
    expect(second.function.node.path).toBe('Test/OtherCallback/Function');
    Template.fromStack(stack).resourceCountIs('AWS::ApiGatewayV2::Api', 2);
  });
});
