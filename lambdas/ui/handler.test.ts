/**
 * The UI Lambda: its environment, the app over the results database through the Data API (the
 * local fake Data API backed by PGlite, migrated by the test as the migrations Lambda would), and
 * the exported `handler` through hono's streamHandle, with the Lambda runtime's `awslambda`
 * streaming global stood in by the test.
 */
import { Writable } from 'node:stream';
import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DataApiExecutor } from '../../lib/results/data-api-executor';
import { SqlResultsStore } from '../../lib/results/sql-store';
import { type FakeDataApi, startFakeDataApi } from '../../test-support/fake-data-api';
import { createUiLambdaApp } from './app';
import { uiEnvironment } from './environment';

const ENV = {
  AWS_REGION: 'eu-west-1',
  RESULTS_CLUSTER_ARN: 'arn:aws:rds:eu-west-1:123456789012:cluster:fb-results',
  RESULTS_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:fb-results-AbCdEf',
  RESULTS_DATABASE: 'postgres',
  UI_USER_POOL_ID: 'eu-west-1_TestPool1',
  UI_CLIENT_ID: 'ui-test-client-0001',
  UI_LOGIN_DOMAIN: 'https://fb-ui-test.auth.eu-west-1.amazoncognito.com',
};

let fake: FakeDataApi;
let client: RDSDataClient;

beforeAll(async () => {
  fake = await startFakeDataApi();
  client = new RDSDataClient({ endpoint: fake.url, region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 1 });
});

afterAll(async () => {
  client?.destroy();
  await fake?.close();
});

describe('uiEnvironment', () => {
  test('reads every variable, UI_BASE_URL optional', () => {
    expect(uiEnvironment(ENV)).toEqual({
      results: { region: 'eu-west-1', resourceArn: ENV.RESULTS_CLUSTER_ARN, secretArn: ENV.RESULTS_SECRET_ARN, database: 'postgres' },
      userPoolId: ENV.UI_USER_POOL_ID,
      clientId: ENV.UI_CLIENT_ID,
      loginDomain: ENV.UI_LOGIN_DOMAIN,
      baseUrl: undefined,
    });
    expect(uiEnvironment({ ...ENV, UI_BASE_URL: 'https://ui.example.org/' }).baseUrl).toBe('https://ui.example.org');
  });

  test('names what is missing or malformed', () => {
    for (const name of Object.keys(ENV)) {
      expect(() => uiEnvironment({ ...ENV, [name]: undefined }), name).toThrow(`environment variable ${name} is not set`);
    }
    expect(() => uiEnvironment({ ...ENV, UI_LOGIN_DOMAIN: 'http://fb-ui-test.auth.eu-west-1.amazoncognito.com' })).toThrow(/UI_LOGIN_DOMAIN must be an https URL/);
    expect(() => uiEnvironment({ ...ENV, UI_BASE_URL: 'ui.example.org' })).toThrow(/UI_BASE_URL must be an https URL/);
    expect(() => uiEnvironment({ ...ENV, UI_USER_POOL_ID: 'pool' })).toThrow(/UI_USER_POOL_ID/);
  });
});

describe('createUiLambdaApp', () => {
  test('reads runs through the Data API for a verified user, never writing, and refuses without a token', async () => {
    const store = new SqlResultsStore(new DataApiExecutor({ client, resourceArn: ENV.RESULTS_CLUSTER_ARN, secretArn: ENV.RESULTS_SECRET_ARN, database: 'postgres' }));
    await store.migrate();
    await store.createRun({ id: 'lambda-ui-run-1', experiment: 'coldstart-identifier', platform: 'aws-lambda', client_platform: 'azure', params: {}, manifest: {} });
    await store.setRunStatus('lambda-ui-run-1', 'failed', 'the client VM did not start');

    const verified: string[] = [];
    const app = createUiLambdaApp(uiEnvironment(ENV), {
      client,
      verifier: {
        verify: async (token) => {
          if (token !== 'good-token') throw new Error('invalid token');
          verified.push(token);
          return { username: 'researcher' };
        },
      },
    });
    const before = fake.requests.length;
    const headers = { 'x-forwarded-host': 'ui.example.org' };
    expect((await app.request('/api/runs', { headers })).status).toBe(401);
    const listed = await app.request('/api/runs?platform=aws-lambda', { headers: { ...headers, authorization: 'Bearer good-token' } });
    expect(listed.status).toBe(200);
    const body = (await listed.json()) as { runs: { id: string; status: string; reason: string }[] };
    expect(body.runs.map((run) => [run.id, run.status, run.reason])).toEqual([['lambda-ui-run-1', 'failed', 'the client VM did not start']]);
    const page = await app.request('/runs/lambda-ui-run-1', { headers: { ...headers, cookie: '__Host-fb-ui-session=good-token' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('the client VM did not start');
    expect(verified).toHaveLength(2);
    const statements = fake.requests.slice(before).map((request) => request.sql ?? '');
    expect(statements.length).toBeGreaterThan(0);
    expect(statements.every((sql) => /^\s*select\b/i.test(sql))).toBe(true);
    await store.close();
  });
});

describe('handler', () => {
  test('answers through streamHandle: health without a token, 401 for the API', async () => {
    const answers: { statusCode: number; headers: Record<string, string>; body: string }[] = [];
    const runtime = globalThis as unknown as Record<string, unknown>;
    runtime.awslambda = {
      streamifyResponse: (fn: (event: unknown, stream: Writable, context: unknown) => Promise<void>) => fn,
      HttpResponseStream: {
        from: (stream: Writable, metadata: { statusCode: number; headers: Record<string, string> }) => {
          const answer = { ...metadata, body: '' };
          answers.push(answer);
          return new Writable({
            write(chunk, _encoding, done) {
              answer.body += String(chunk);
              done();
            },
            final(done) {
              stream.end();
              done();
            },
          });
        },
      },
    };
    const saved = Object.fromEntries(Object.keys(ENV).map((name) => [name, process.env[name]]));
    Object.assign(process.env, ENV);
    try {
      const { handler } = (await import('./handler')) as unknown as { handler: (event: unknown, stream: Writable, context: unknown) => Promise<void> };
      const event = (path: string) => ({
        version: '2.0',
        rawPath: path,
        rawQueryString: '',
        headers: { host: 'abc.lambda-url.eu-west-1.on.aws', 'x-forwarded-host': 'ui.example.org', 'x-forwarded-proto': 'https' },
        requestContext: { http: { method: 'GET', path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' }, domainName: 'abc.lambda-url.eu-west-1.on.aws', requestId: 'r', routeKey: '$default', stage: '$default', timeEpoch: Date.now() },
        isBase64Encoded: false,
      });
      const sink = () => new Writable({ write: (_chunk, _encoding, done) => done() });
      await handler(event('/healthz'), sink(), { getRemainingTimeInMillis: () => 60_000 });
      await handler(event('/api/runs'), sink(), { getRemainingTimeInMillis: () => 60_000 });
      expect(answers.map((answer) => answer.statusCode)).toEqual([200, 401]);
      expect(answers[0]?.body).toBe('ok');
      expect(JSON.parse(answers[1]?.body ?? '{}')).toMatchObject({ error: { type: 'Unauthorized' } });
      expect(answers[1]?.headers['content-security-policy']).toContain("default-src 'self'");
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      delete runtime.awslambda;
    }
  });
});
