/**
 * A local stand-in for the CloudFormation API's `DescribeStacks`, so code that finds a deployed
 * stage through its stack outputs (lib/results/stage-results.ts) can be run end to end — even in
 * a child process such as `fb runs --stage x`, where aws-sdk-client-mock cannot reach — with a
 * real `@aws-sdk/client-cloudformation` client over HTTP on 127.0.0.1. Point the SDK at it with
 * `AWS_ENDPOINT_URL_CLOUDFORMATION=<url>` (the SDK reads that itself) or `endpoint: url`.
 *
 * It speaks the service's query protocol (form-encoded `Action=DescribeStacks&StackName=…`,
 * XML answers) for the stacks it is given; an unknown stack is answered as the service does, with
 * a 400 `ValidationError` "Stack with id … does not exist". Each request's signing region (from
 * the SigV4 `Authorization` header) is recorded. Other actions answer 400 `InvalidAction`.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeStack {
  status?: string;
  outputs: Record<string, string>;
}

export interface FakeCloudFormationRequest {
  action: string;
  stackName: string | undefined;
  /** The region the request was signed for. */
  region: string | undefined;
}

export interface FakeCloudFormation {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** The stacks it knows, by name; change freely between requests. */
  readonly stacks: Map<string, FakeStack>;
  readonly requests: FakeCloudFormationRequest[];
  close(): Promise<void>;
}

const NAMESPACE = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';

export async function startFakeCloudFormation(stacks: Record<string, FakeStack> = {}): Promise<FakeCloudFormation> {
  const known = new Map(Object.entries(stacks));
  const requests: FakeCloudFormationRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const action = form.get('Action') ?? '';
      const stackName = form.get('StackName') ?? undefined;
      const region = /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(req.headers.authorization ?? '')?.[1];
      requests.push({ action, stackName, region });
      const requestId = randomUUID();
      const send = (status: number, body: string) => {
        res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId, 'content-length': Buffer.byteLength(body) });
        res.end(body);
      };
      if (action !== 'DescribeStacks') {
        send(400, errorXml('InvalidAction', `The action ${action} is not valid for this fake`, requestId));
        return;
      }
      const stack = stackName === undefined ? undefined : known.get(stackName);
      if (!stack || stackName === undefined) {
        send(400, errorXml('ValidationError', `Stack with id ${stackName ?? ''} does not exist`, requestId));
        return;
      }
      send(200, describeStacksXml(stackName, region ?? 'eu-west-1', stack, requestId));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stacks: known,
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function describeStacksXml(name: string, region: string, stack: FakeStack, requestId: string): string {
  const outputs = Object.entries(stack.outputs)
    .map(([key, value]) => `<member><OutputKey>${escapeXml(key)}</OutputKey><OutputValue>${escapeXml(value)}</OutputValue></member>`)
    .join('');
  return (
    `<DescribeStacksResponse xmlns="${NAMESPACE}"><DescribeStacksResult><Stacks><member>` +
    `<StackName>${escapeXml(name)}</StackName>` +
    `<StackId>arn:aws:cloudformation:${region}:123456789012:stack/${escapeXml(name)}/${randomUUID()}</StackId>` +
    `<CreationTime>2026-01-01T00:00:00.000Z</CreationTime>` +
    `<StackStatus>${escapeXml(stack.status ?? 'CREATE_COMPLETE')}</StackStatus>` +
    `<Outputs>${outputs}</Outputs>` +
    `</member></Stacks></DescribeStacksResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></DescribeStacksResponse>`
  );
}

function errorXml(code: string, message: string, requestId: string): string {
  return `<ErrorResponse xmlns="${NAMESPACE}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
}

function escapeXml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}
