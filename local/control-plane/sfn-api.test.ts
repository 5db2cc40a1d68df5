import { describe, expect, it } from 'vitest';
import { ExecutionService } from './executions';
import { createStepFunctionsApp, isStepFunctionsRequest } from './sfn-api';

const STATE_MACHINE_ARN = 'arn:aws:states:local:000000000000:stateMachine:RunExperiment';
const HOST = '127.0.0.1:8083';

/** The API over a service whose executions succeed at once with their input as output. */
function api(options: { failDescribe?: boolean } = {}) {
  const service = new ExecutionService({
    stateMachineArn: STATE_MACHINE_ARN,
    definition: { StartAt: 'Done', States: { Done: { Type: 'Succeed' } } } as never,
    definitionText: '{"StartAt":"Done","States":{"Done":{"Type":"Succeed"}}}',
    runner: async (request) => ({ status: 'SUCCEEDED', output: request.input }),
  });
  if (options.failDescribe) service.describe = () => {
    throw new TypeError('a bug');
  };
  const logged: string[] = [];
  const app = createStepFunctionsApp({ service, allowedHosts: () => [HOST, 'localhost:8083'], log: (message) => logged.push(message) });
  const call = async (operation: string, body: unknown, headers: Record<string, string> = {}) => {
    const response = await app.request('/', {
      method: 'POST',
      headers: { Host: HOST, 'X-Amz-Target': `AWSStepFunctions.${operation}`, 'Content-Type': 'application/x-amz-json-1.0', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, contentType: response.headers.get('content-type'), body: (await response.json()) as Record<string, unknown> };
  };
  return { call, logged, service };
}

describe.concurrent('the Step Functions API', () => {
  it('answers in JSON 1.0: timestamps as epoch seconds, the definition described', async () => {
    const { call } = api();
    const listed = await call('ListStateMachines', {});
    expect(listed).toMatchObject({ status: 200, contentType: 'application/x-amz-json-1.0' });
    const [machine] = listed.body.stateMachines as { stateMachineArn: string; creationDate: unknown }[];
    expect(machine?.stateMachineArn).toBe(STATE_MACHINE_ARN);
    expect(typeof machine?.creationDate).toBe('number');
    expect(Math.abs((machine?.creationDate as number) - Date.now() / 1000)).toBeLessThan(60);
    const described = await call('DescribeStateMachine', { stateMachineArn: STATE_MACHINE_ARN });
    expect(described.body).toMatchObject({ name: 'RunExperiment', status: 'ACTIVE', type: 'STANDARD', definition: expect.stringContaining('"StartAt":"Done"') });
    const started = await call('StartExecution', { stateMachineArn: STATE_MACHINE_ARN, name: 'n1', input: '{"a":1}' });
    expect(started.body).toEqual({ executionArn: 'arn:aws:states:local:000000000000:execution:RunExperiment:n1', startDate: expect.any(Number) });
  });

  it('answers errors in the AWS shape: 400 with __type and message; 500 InternalFailure for a bug', async () => {
    const { call, logged } = api();
    expect(await call('DescribeExecution', { executionArn: 'arn:aws:states:local:000000000000:execution:RunExperiment:none' })).toMatchObject({
      status: 400,
      body: { __type: 'ExecutionDoesNotExist', message: expect.stringContaining('Execution Does Not Exist') },
    });
    expect(await call('StartExecution', { stateMachineArn: STATE_MACHINE_ARN, input: '{' })).toMatchObject({ status: 400, body: { __type: 'InvalidExecutionInput' } });
    expect(await call('StartExecution', { input: '{}' })).toMatchObject({ status: 400, body: { __type: 'ValidationException', message: expect.stringContaining('stateMachineArn') } });
    expect(await call('DeleteStateMachine', { stateMachineArn: STATE_MACHINE_ARN })).toMatchObject({ status: 400, body: { __type: 'UnknownOperationException' } });
    expect(await call('ListStateMachines', 'not json')).toMatchObject({ status: 400, body: { __type: 'SerializationException' } });
    expect(await call('ListStateMachines', {}, { 'Content-Type': 'text/plain' })).toMatchObject({ status: 400, body: { __type: 'SerializationException' } });
    expect(logged).toEqual([]);
    const buggy = api({ failDescribe: true });
    expect(await buggy.call('DescribeExecution', { executionArn: 'arn:aws:states:local:000000000000:execution:RunExperiment:x' })).toMatchObject({ status: 500, body: { __type: 'InternalFailure' } });
    expect(buggy.logged).toHaveLength(1);
  });

  it('refuses a foreign Host (DNS rebinding) and any request from a web page (Origin), and sends no CORS header', async () => {
    const { call } = api();
    expect(await call('ListStateMachines', {}, { Host: 'evil.example:8083' })).toMatchObject({ status: 403, body: { __type: 'AccessDeniedException' } });
    expect(await call('ListStateMachines', {}, { Host: '127.0.0.1:9999' })).toMatchObject({ status: 403 });
    expect(await call('ListStateMachines', {}, { Host: 'localhost:8083' })).toMatchObject({ status: 200 });
    expect(await call('ListStateMachines', {}, { Origin: 'http://127.0.0.1:8083' })).toMatchObject({ status: 403 });
    const { service } = api();
    const app = createStepFunctionsApp({ service, allowedHosts: () => [HOST] });
    const response = await app.request('/', { method: 'POST', headers: { Host: HOST, 'X-Amz-Target': 'AWSStepFunctions.ListStateMachines', 'Content-Type': 'application/x-amz-json-1.0' }, body: '{}' });
    expect([...response.headers.keys()].filter((name) => name.startsWith('access-control-'))).toEqual([]);
  });

  it('tells API calls (POST / with X-Amz-Target) from the web UI requests on the same port', () => {
    expect(isStepFunctionsRequest(new Request('http://127.0.0.1:8083/', { method: 'POST', headers: { 'X-Amz-Target': 'AWSStepFunctions.ListStateMachines' } }))).toBe(true);
    expect(isStepFunctionsRequest(new Request('http://127.0.0.1:8083/', { method: 'GET' }))).toBe(false);
    expect(isStepFunctionsRequest(new Request('http://127.0.0.1:8083/runs', { method: 'POST', headers: { 'X-Amz-Target': 'AWSStepFunctions.ListStateMachines' } }))).toBe(false);
    expect(isStepFunctionsRequest(new Request('http://127.0.0.1:8083/', { method: 'POST' }))).toBe(false);
  });
});
