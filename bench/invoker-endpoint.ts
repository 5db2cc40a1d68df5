/**
 * The trivial HTTP endpoint of the invoker benchmark, run in its own process (forked by
 * bench/invoker.ts) so that client and server do not share an event loop. It answers every
 * request with a small lab-style record map (so the `local` provider classifies it `ok`), reports
 * its port over IPC and, when sent `'cpu'`, its CPU usage and the connections it has accepted (so
 * the bench can print the endpoint's CPU per request, and how many connections a client opened). It exits when its parent disconnects.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const BODY = Buffer.from(JSON.stringify({ root_identifier: 'bench-1', 'bench-1': { identifier: 'bench-1', function_name: 'bench', level: 0 } }));
const HEADERS = { 'content-type': 'application/json', 'content-length': String(BODY.length) };

const server = createServer((req, res) => {
  // Drain the request body, then answer.
  req.resume();
  req.on('end', () => {
    res.writeHead(200, HEADERS);
    res.end(BODY);
  });
});
server.keepAliveTimeout = 60_000;
/** Connections accepted so far (reported with the CPU usage). */
let connections = 0;
server.on('connection', () => {
  connections += 1;
});
server.maxHeadersCount = 50;

server.listen(0, '127.0.0.1', () => {
  process.send?.({ port: (server.address() as AddressInfo).port });
});
process.on('disconnect', () => process.exit(0));
process.on('message', (message: unknown) => {
  if (message === 'cpu') process.send?.({ cpu: process.cpuUsage(), connections });
});
