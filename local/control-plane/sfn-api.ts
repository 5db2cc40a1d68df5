/**
 * The AWS Step Functions API (JSON 1.0 protocol) over an {@link ExecutionService}, as `fb serve`
 * answers it on 127.0.0.1: `POST /` with `X-Amz-Target: AWSStepFunctions.<Operation>` and
 * `Content-Type: application/x-amz-json-1.0`, answered in the same protocol (timestamps as epoch
 * seconds; errors as HTTP 400 `{"__type": "<Code>", "message": "…"}`, 500 `InternalFailure` for a
 * bug), so the AWS CLI and SDKs pointed at it with `--endpoint-url` work as against AWS.
 *
 * Operations: ListStateMachines, DescribeStateMachine, StartExecution, DescribeExecution,
 * ListExecutions, StopExecution, GetExecutionHistory; any other target is
 * `UnknownOperationException`. No signature is checked (nothing but this machine can reach it).
 *
 * Browsers are kept out: the Host header must name the loopback address and port (DNS
 * rebinding), a request carrying `Origin` is refused, and no CORS header is ever sent, so a page
 * cannot send the JSON 1.0 content type past its preflight.
 */
import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import { z } from 'zod';
import type { ExecutionService } from './executions';
import { StepFunctionsApiError, UnknownOperationError, ValidationError } from './sfn-errors';

const TARGET_PREFIX = 'AWSStepFunctions.';
const JSON_1_0 = 'application/x-amz-json-1.0';

const STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'] as const;
const pageSchema = { maxResults: z.number().int().optional(), nextToken: z.string().min(1).optional() };

/** Each operation's request (unknown members are ignored, as AWS does for newer clients' fields). */
const operations = {
  ListStateMachines: z.object({ ...pageSchema }),
  DescribeStateMachine: z.object({ stateMachineArn: z.string() }),
  StartExecution: z.object({ stateMachineArn: z.string(), name: z.string().optional(), input: z.string().optional(), traceHeader: z.string().optional() }),
  DescribeExecution: z.object({ executionArn: z.string() }),
  ListExecutions: z.object({ stateMachineArn: z.string(), statusFilter: z.enum(STATUSES).optional(), ...pageSchema }),
  StopExecution: z.object({ executionArn: z.string(), error: z.string().max(256).optional(), cause: z.string().max(32_768).optional() }),
  GetExecutionHistory: z.object({ executionArn: z.string(), reverseOrder: z.boolean().optional(), includeExecutionData: z.boolean().optional(), ...pageSchema }),
} as const;

type Operation = keyof typeof operations;

export interface StepFunctionsApiOptions {
  service: ExecutionService;
  /** The Host header values accepted (`127.0.0.1:<port>`, `localhost:<port>`, `[::1]:<port>`). */
  allowedHosts: () => readonly string[];
  /** Where bugs are told. @default console.error */
  log?: (message: string, error?: unknown) => void;
}

/** Whether `request` is a Step Functions API call (rather than a request for the web UI on the same port). */
export function isStepFunctionsRequest(request: Request): boolean {
  return request.method === 'POST' && new URL(request.url).pathname === '/' && request.headers.has('x-amz-target');
}

export function createStepFunctionsApp(options: StepFunctionsApiOptions): Hono {
  const log = options.log ?? ((message: string, error?: unknown) => console.error(`fb serve: ${message}`, error ?? ''));
  const app = new Hono();
  app.post('/', async (c) => {
    const host = (c.req.header('host') ?? '').toLowerCase();
    if (!options.allowedHosts().some((allowed) => allowed.toLowerCase() === host)) {
      return answer(403, { __type: 'AccessDeniedException', message: `Host ${JSON.stringify(host)} is not this endpoint's address` });
    }
    if (c.req.header('origin') !== undefined) return answer(403, { __type: 'AccessDeniedException', message: 'requests from web pages (an Origin header) are refused' });
    try {
      const target = c.req.header('x-amz-target') ?? '';
      const operation = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
      if (!Object.hasOwn(operations, operation)) throw new UnknownOperationError(`Unknown operation ${JSON.stringify(target)}`);
      if (!(c.req.header('content-type') ?? '').toLowerCase().startsWith(JSON_1_0)) throw new StepFunctionsApiError('SerializationException', `Content-Type must be ${JSON_1_0}`);
      let body: unknown;
      try {
        const text = await c.req.text();
        body = text.trim() ? JSON.parse(text) : {};
      } catch {
        throw new StepFunctionsApiError('SerializationException', 'the request body is not JSON');
      }
      const parsed = operations[operation as Operation].safeParse(body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new ValidationError(`1 validation error detected: Value at '${issue?.path.join('.') || 'body'}' failed to satisfy constraint: ${issue?.message ?? 'invalid'}`);
      }
      return answer(200, perform(options.service, operation as Operation, parsed.data));
    } catch (error) {
      if (error instanceof StepFunctionsApiError) return answer(400, { __type: error.code, message: error.message });
      log('a Step Functions API request failed', error);
      return answer(500, { __type: 'InternalFailure', message: 'the request failed inside fb serve; see its output' });
    }
  });
  return app;
}

function perform(service: ExecutionService, operation: Operation, request: Record<string, unknown>): unknown {
  switch (operation) {
    case 'ListStateMachines':
      return { stateMachines: service.listStateMachines() };
    case 'DescribeStateMachine':
      return service.describeStateMachine((request as z.infer<(typeof operations)['DescribeStateMachine']>).stateMachineArn);
    case 'StartExecution':
      return service.start(request as z.infer<(typeof operations)['StartExecution']>);
    case 'DescribeExecution':
      return service.describe((request as z.infer<(typeof operations)['DescribeExecution']>).executionArn);
    case 'ListExecutions':
      return service.list(request as z.infer<(typeof operations)['ListExecutions']>);
    case 'StopExecution':
      return service.stop(request as z.infer<(typeof operations)['StopExecution']>);
    case 'GetExecutionHistory':
      return service.history(request as z.infer<(typeof operations)['GetExecutionHistory']>);
  }
}

/** A JSON 1.0 answer: Dates as epoch seconds, as the protocol's timestamps are. */
function answer(status: number, body: unknown): Response {
  const text = JSON.stringify(body, function (this: Record<string, unknown>, key, value) {
    const raw = this[key];
    return raw instanceof Date ? raw.getTime() / 1000 : value;
  });
  return new Response(text, { status, headers: { 'Content-Type': JSON_1_0, 'x-amzn-RequestId': randomUUID() } });
}
