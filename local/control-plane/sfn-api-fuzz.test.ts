/**
 * Property-based fuzz test of `fb serve`'s Step Functions API, in process (`app.request`): fuzzed
 * request bodies (any JSON, broken JSON), operations, and StartExecution / Describe / Stop / List /
 * GetExecutionHistory calls with fuzzed inputs, names, ARNs, tokens and page sizes. Every answer
 * is 200, or 400 with one of the error codes the API documents; never a 500. The executions' runner
 * is a stub that records the inputs it is given, so nothing runs.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { brokenJsonText, edgyNumber, fuzzJson, fuzzParameters, nastyString } from '../../test-support/fuzz';
import { ExecutionService } from './executions';
import { createStepFunctionsApp } from './sfn-api';

const STATE_MACHINE_ARN = 'arn:aws:states:local:000000000000:stateMachine:RunExperiment';
const EXECUTION_PREFIX = 'arn:aws:states:local:000000000000:execution:RunExperiment:';
const HOST = '127.0.0.1:8083';
/** The `__type`s the API answers a refused request with (local/control-plane/sfn-errors.ts, sfn-api.ts). */
const KNOWN_TYPES = [
  'SerializationException',
  'UnknownOperationException',
  'ValidationException',
  'InvalidArn',
  'InvalidName',
  'InvalidExecutionInput',
  'InvalidToken',
  'ExecutionDoesNotExist',
  'ExecutionAlreadyExists',
  'StateMachineDoesNotExist',
];
const OPERATIONS = ['ListStateMachines', 'DescribeStateMachine', 'StartExecution', 'DescribeExecution', 'ListExecutions', 'StopExecution', 'GetExecutionHistory'];

/** The API over a service whose runner records its inputs and succeeds at once. */
function api() {
  const inputs: unknown[] = [];
  const service = new ExecutionService({
    stateMachineArn: STATE_MACHINE_ARN,
    definition: { StartAt: 'Done', States: { Done: { Type: 'Succeed' } } } as never,
    definitionText: '{"StartAt":"Done","States":{"Done":{"Type":"Succeed"}}}',
    runner: async (request) => {
      inputs.push(request.input);
      return { status: 'SUCCEEDED', output: { ok: true } };
    },
  });
  const logged: string[] = [];
  const app = createStepFunctionsApp({ service, allowedHosts: () => [HOST], log: (message) => logged.push(message) });
  const call = async (target: string, body: string, contentType = 'application/x-amz-json-1.0') => {
    const response = await app.request('/', { method: 'POST', headers: { Host: HOST, 'X-Amz-Target': target, 'Content-Type': contentType }, body });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
    return { status: response.status, body: parsed as { __type?: string; executionArn?: string } };
  };
  return { call, inputs, logged };
}

/** Expect 200, or 400 with a documented `__type`. */
function expectHandled(answer: { status: number; body: { __type?: string } }, what: string): void {
  if (answer.status === 200) return;
  expect({ what, status: answer.status }).toEqual({ what, status: 400 });
  expect(KNOWN_TYPES, `${what}: ${JSON.stringify(answer.body).slice(0, 300)}`).toContain(answer.body.__type);
}

const arn = fc.oneof(
  fc.constant(STATE_MACHINE_ARN),
  nastyString.map((name) => `${EXECUTION_PREFIX}${name}`),
  fc.constantFrom(`${EXECUTION_PREFIX}n1`, `${STATE_MACHINE_ARN}x`, 'arn:aws:states:local:000000000000:stateMachine:Other', 'arn:aws:states::::', 'arn:'),
  nastyString,
);
/** Text a header can carry (a client cannot send other characters; the server never sees them). */
const headerText = fc.string({ unit: fc.integer({ min: 0x21, max: 0xff }).map((code) => String.fromCharCode(code)), maxLength: 40 });
const anyField = fc.oneof(fuzzJson, edgyNumber, nastyString);
const executionInput = fc.oneof(fuzzJson.map((value) => JSON.stringify(value) ?? 'null'), brokenJsonText(fuzzJson), anyField);

/** An operation's body: its own fields, fuzzed, or any JSON, or text that is not JSON. */
const operationBody = fc.oneof(
  fc
    .record(
      {
        stateMachineArn: fc.oneof(arn, anyField),
        executionArn: fc.oneof(arn, anyField),
        name: fc.oneof(nastyString, fc.constantFrom('n1', 'run-1', 'a'.repeat(81)), anyField),
        input: executionInput,
        maxResults: fc.oneof(edgyNumber, anyField),
        nextToken: fc.oneof(nastyString, anyField),
        statusFilter: fc.oneof(fc.constantFrom('RUNNING', 'SUCCEEDED', 'nope'), anyField),
        reverseOrder: fc.oneof(fc.boolean(), anyField),
        error: anyField,
        cause: anyField,
      },
      { requiredKeys: [] },
    )
    .map((body) => JSON.stringify(body)),
  fuzzJson.map((value) => JSON.stringify(value) ?? 'null'),
  brokenJsonText(fuzzJson),
);

describe.concurrent('the Step Functions API under fuzzing', () => {
  it('answers fuzzed calls of every operation with 200 or a 400 it documents, never 500', async () => {
    const { call, logged } = api();
    const seen = new Set<string>();
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.constantFrom(...OPERATIONS), headerText), operationBody, async (operation, body) => {
        const answer = await call(`AWSStepFunctions.${operation}`, body);
        seen.add(answer.status === 200 ? '200' : String(answer.body.__type));
        expectHandled(answer, `${operation} ${body.slice(0, 200)}`);
      }),
      fuzzParameters(500),
    );
    expect(logged).toEqual([]); // nothing failed inside the API (a 500 is logged)
    expect([...seen]).toEqual(expect.arrayContaining(['200', 'ValidationException', 'SerializationException', 'UnknownOperationException']));
  });

  it('starts an execution for each well-formed StartExecution, handing the runner its parsed input, and refuses the rest with a 400', async () => {
    const { call, inputs } = api();
    const started: unknown[] = [];
    await fc.assert(
      fc.asyncProperty(fc.oneof(nastyString, fc.uuid()), executionInput, async (name, input) => {
        const answer = await call('AWSStepFunctions.StartExecution', JSON.stringify({ stateMachineArn: STATE_MACHINE_ARN, name, input }));
        expectHandled(answer, `StartExecution ${JSON.stringify(name).slice(0, 80)} ${(JSON.stringify(input) ?? '').slice(0, 200)}`);
        if (answer.status === 200) {
          expect(answer.body.executionArn).toBe(`${EXECUTION_PREFIX}${name}`);
          started.push(JSON.parse(input as string));
        }
      }),
      fuzzParameters(300),
    );
    await new Promise((resolve) => setTimeout(resolve, 20)); // the runners start on the next turns
    expect(started.length).toBeGreaterThan(0);
    expect(inputs).toEqual(started);
  });

  it('refuses bodies that do not say they are JSON 1.0 with SerializationException', async () => {
    const { call } = api();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('text/plain', 'application/json', '', 'multipart/form-data', 'application/x-amz-json-1.1x'), operationBody, async (contentType, body) => {
        const answer = await call('AWSStepFunctions.StartExecution', body, contentType);
        expectHandled(answer, `${contentType} ${body.slice(0, 100)}`);
      }),
      fuzzParameters(100),
    );
  });
});
