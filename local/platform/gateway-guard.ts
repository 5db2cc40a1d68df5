import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * What keeps the local gateway to the programs of the user who started it. It listens on
 * loopback, but loopback is reachable from any web page the user's browser shows: a page can send
 * a CORS-"simple" `text/plain` POST to `/system/functions`, and a DNS name that resolves to
 * 127.0.0.1 makes even same-origin requests possible. So, on every route, the Host must be a name
 * of this machine and a browser's cross-site request is refused; the routes that change what runs
 * also need the per-start credential (basic auth, as OpenFaaS protects its `/system` API) and a
 * JSON body declared as JSON.
 */

/** The per-start basic-auth credential of one gateway's `/system` routes that change what runs. */
export interface GatewayCredentials {
  user: string;
  password: string;
}

/** 401: a route that changes what runs was called without the gateway's credential. */
export class GatewayUnauthorizedError extends Error {
  override name = 'GatewayUnauthorizedError';
}

/** 403: a request from a foreign Host (DNS rebinding) or from another site in a browser. */
export class ForeignRequestError extends Error {
  override name = 'ForeignRequestError';
}

/** 415: a JSON route called with a body that does not say it is JSON. */
export class UnsupportedMediaTypeError extends Error {
  override name = 'UnsupportedMediaTypeError';
}

/** A fresh credential for one start of the gateway (user `admin`, as OpenFaaS's default). */
export function newGatewayCredentials(): GatewayCredentials {
  return { user: 'admin', password: randomBytes(24).toString('base64url') };
}

/** The `Authorization` header value of a credential. */
export function basicAuthHeader(credentials: GatewayCredentials): string {
  return `Basic ${Buffer.from(`${credentials.user}:${credentials.password}`).toString('base64')}`;
}

/** Refuse a request without the credential (compared in constant time). */
export function requireCredentials(req: IncomingMessage, credentials: GatewayCredentials): void {
  const expected = Buffer.from(basicAuthHeader(credentials));
  const given = Buffer.from(req.headers.authorization ?? '');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new GatewayUnauthorizedError('this route changes what runs and needs the gateway credential (basic auth; `fb platform start` wrote it to .fb/gateways/<port>.json)');
  }
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1']);

/**
 * Refuse a request whose Host is not a name of this gateway (a rebound DNS name), whose Origin is
 * another site, or that a browser marks as cross-site (`Sec-Fetch-Site`, sent even where Origin is
 * not, e.g. for an `<img>` GET). Programs such as curl, the agent and the provisioners send
 * neither Origin nor Sec-Fetch-Site and pass.
 */
export function requireSameOrigin(req: IncomingMessage, listenHost: string): void {
  const allowedHosts = new Set(LOOPBACK_NAMES);
  if (!isWildcard(listenHost)) allowedHosts.add(normaliseHost(listenHost));
  const host = hostnameOf(req.headers.host);
  if (host === undefined || !allowedHosts.has(host)) {
    throw new ForeignRequestError(`Host ${JSON.stringify(req.headers.host ?? '')} is not this gateway; use ${[...allowedHosts].join(' or ')}`);
  }
  const fetchSite = req.headers['sec-fetch-site'];
  if (fetchSite !== undefined && fetchSite !== 'same-origin' && fetchSite !== 'none') {
    throw new ForeignRequestError(`a ${fetchSite} browser request is not accepted`);
  }
  const origin = req.headers.origin;
  if (origin !== undefined) {
    let originUrl: URL | undefined;
    try {
      originUrl = new URL(origin);
    } catch {
      originUrl = undefined;
    }
    if (!originUrl || !allowedHosts.has(normaliseHost(originUrl.hostname)) || originUrl.host !== req.headers.host) {
      throw new ForeignRequestError(`Origin ${JSON.stringify(origin)} is not this gateway`);
    }
  }
}

/** Refuse a body that is not declared `application/json` (a browser's form or text/plain POST). */
export function requireJsonBody(req: IncomingMessage): void {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') {
    throw new UnsupportedMediaTypeError(`content-type must be application/json, not ${JSON.stringify(req.headers['content-type'] ?? '')}`);
  }
}

function hostnameOf(hostHeader: string | undefined): string | undefined {
  if (!hostHeader) return undefined;
  try {
    return normaliseHost(new URL(`http://${hostHeader}`).hostname);
  } catch {
    return undefined;
  }
}

/** Lower case, IPv6 without brackets. */
function normaliseHost(host: string): string {
  const lower = host.toLowerCase();
  return lower.startsWith('[') && lower.endsWith(']') ? lower.slice(1, -1) : lower;
}

function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '';
}
