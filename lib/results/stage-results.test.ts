import { CloudFormationClient, CloudFormationServiceException, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeCloudFormation } from '../../test-support/fake-cloudformation';
import { AwsCredentialsError, AwsRegionMissingError, ResultsStackNotFoundError, ResultsStackOutputsMissingError } from './deployed-errors';
import { findStageResults } from './stage-results';

const CLUSTER = 'arn:aws:rds:eu-west-1:123456789012:cluster:faas-benchmarker-dev-results';
const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!cluster-0a1b-AbCdEf';
const OUTPUTS = [
  { OutputKey: 'ClusterArn', OutputValue: CLUSTER },
  { OutputKey: 'SecretArn', OutputValue: SECRET },
  { OutputKey: 'DatabaseName', OutputValue: 'results' },
  { OutputKey: 'ResultsBucketName', OutputValue: 'bucket' },
];

const clients: CloudFormationClient[] = [];
afterAll(() => {
  for (const client of clients) client.destroy();
});

function mocked(region: string | (() => Promise<string>) = 'eu-west-1') {
  const client = new CloudFormationClient({ region, credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  clients.push(client);
  return { client, mock: mockClient(client) };
}

const serviceError = (name: string, message: string) => new CloudFormationServiceException({ name, message, $fault: 'client', $metadata: {} });

describe('findStageResults (DescribeStacks, aws-sdk-client-mock)', () => {
  it("reads the Data API target from the stage's results stack outputs", async () => {
    const { client, mock } = mocked();
    mock.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'FaasBenchmarker-dev-Results', StackStatus: 'UPDATE_COMPLETE', CreationTime: new Date(), Outputs: OUTPUTS }] });
    expect(await findStageResults(client, 'dev')).toEqual({ stackName: 'FaasBenchmarker-dev-Results', region: 'eu-west-1', clusterArn: CLUSTER, secretArn: SECRET, database: 'results' });
    expect(mock.commandCalls(DescribeStacksCommand).map((call) => call.args[0].input)).toEqual([{ StackName: 'FaasBenchmarker-dev-Results' }]);
  });

  it('names a missing stack with its region', async () => {
    const { client, mock } = mocked('us-east-2');
    mock.on(DescribeStacksCommand).rejects(serviceError('ValidationError', 'Stack with id FaasBenchmarker-nope-Results does not exist'));
    const error = await findStageResults(client, 'nope').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResultsStackNotFoundError);
    expect(error).toMatchObject({ name: 'ResultsStackNotFoundError', stackName: 'FaasBenchmarker-nope-Results', region: 'us-east-2' });
    expect((error as Error).message).toMatch(/^no stack FaasBenchmarker-nope-Results in us-east-2: .*--region/);
  });

  it('names the outputs a stack still being created lacks', async () => {
    const { client, mock } = mocked();
    mock.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'FaasBenchmarker-dev-Results', StackStatus: 'CREATE_IN_PROGRESS', CreationTime: new Date(), Outputs: [OUTPUTS[0] as { OutputKey: string; OutputValue: string }] }] });
    const error = await findStageResults(client, 'dev').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResultsStackOutputsMissingError);
    expect(error).toMatchObject({ missing: ['SecretArn', 'DatabaseName'], stackStatus: 'CREATE_IN_PROGRESS' });
    expect((error as Error).message).toBe(
      'stack FaasBenchmarker-dev-Results (CREATE_IN_PROGRESS) has no output SecretArn, DatabaseName: wait for its deployment to finish, or deploy it again with this version',
    );
  });

  it('names missing or refused credentials and a missing region', async () => {
    const { client, mock } = mocked();
    const noCredentials = Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' });
    mock.on(DescribeStacksCommand).rejectsOnce(noCredentials).rejectsOnce(serviceError('ExpiredToken', 'The security token included in the request is expired'));
    const missing = await findStageResults(client, 'dev').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(AwsCredentialsError);
    expect((missing as Error).message).toMatch(/^no AWS credentials for reading the outputs of stack FaasBenchmarker-dev-Results: set AWS_PROFILE/);
    expect((missing as Error).cause).toBe(noCredentials);
    const refused = await findStageResults(client, 'dev').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AwsCredentialsError);
    expect((refused as Error).message).toMatch(/AWS refused the credentials .*ExpiredToken/);

    const { client: regionless } = mocked(() => Promise.reject(new Error('Region is missing')));
    const error = await findStageResults(regionless, 'dev').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsRegionMissingError);
    expect((error as Error).message).toMatch(/pass --region, set AWS_REGION/);
  });

  it('passes other failures through unchanged', async () => {
    const { client, mock } = mocked();
    const throttled = serviceError('Throttling', 'Rate exceeded');
    mock.on(DescribeStacksCommand).rejects(throttled);
    await expect(findStageResults(client, 'dev')).rejects.toBe(throttled);
  });
});

describe('findStageResults against the fake CloudFormation endpoint (real client, query protocol over HTTP)', () => {
  it('reads the outputs, and gets the service-shaped ValidationError for an unknown stack', async () => {
    const fake = await startFakeCloudFormation({
      'FaasBenchmarker-dev-Results': { outputs: Object.fromEntries(OUTPUTS.map((output) => [output.OutputKey, output.OutputValue])) },
    });
    const client = new CloudFormationClient({ endpoint: fake.url, region: 'eu-north-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 1 });
    clients.push(client);
    try {
      expect(await findStageResults(client, 'dev')).toMatchObject({ clusterArn: CLUSTER, secretArn: SECRET, database: 'results', region: 'eu-north-1' });
      await expect(findStageResults(client, 'other')).rejects.toBeInstanceOf(ResultsStackNotFoundError);
      expect(fake.requests).toEqual([
        { action: 'DescribeStacks', stackName: 'FaasBenchmarker-dev-Results', region: 'eu-north-1' },
        { action: 'DescribeStacks', stackName: 'FaasBenchmarker-other-Results', region: 'eu-north-1' },
      ]);
    } finally {
      await fake.close();
    }
  });
});
