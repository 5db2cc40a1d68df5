/**
 * Deployed mode against a real CognitoJwtVerifier: tokens are signed in the test with an RSA key
 * pair made here, and the verifier is given the matching JWKS with `cacheJwks`, so nothing is
 * fetched. The hosted login's token endpoint is a fake `fetch` that checks the PKCE verifier.
 */
import { generateKeyPairSync, type KeyObject, randomUUID, sign } from 'node:crypto';
import { CognitoJwtVerifier } from 'aws-jwt-verify';
import { describe, expect, test } from 'vitest';
import type { RunRow } from '../../lib/results/types';
import { createUiApp } from '../app';
import { storeSource, type UiResultsStore } from '../results-source';
import { createPollingRunFeed } from '../run-feed';
import { codeChallengeOf } from './pkce';

const REGION = 'eu-west-1';
const POOL_ID = `${REGION}_TestPool1`;
const CLIENT_ID = 'ui-test-client-0001';
const LOGIN_DOMAIN = 'https://fb-ui-test.auth.eu-west-1.amazoncognito.com';
const PUBLIC_HOST = 'ui.example.org';
const KID = 'test-key-1';

const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const otherKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });

function signJwt(payload: Record<string, unknown>, privateKey: KeyObject = keys.privateKey): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${encode({ alg: 'RS256', kid: KID, typ: 'JWT' })}.${encode(payload)}`;
  return `${unsigned}.${sign('RSA-SHA256', Buffer.from(unsigned), privateKey).toString('base64url')}`;
}

function accessToken(overrides: Record<string, unknown> = {}, privateKey?: KeyObject): string {
  const nowS = Math.floor(Date.now() / 1000);
  return signJwt(
    {
      sub: randomUUID(),
      iss: `https://cognito-idp.${REGION}.amazonaws.com/${POOL_ID}`,
      client_id: CLIENT_ID,
      token_use: 'access',
      scope: 'openid',
      auth_time: nowS,
      iat: nowS,
      exp: nowS + 3600,
      jti: randomUUID(),
      username: 'researcher',
      ...overrides,
    },
    privateKey,
  );
}

const run: RunRow = {
  id: 'run-000001',
  experiment: 'dev-experiment',
  platform: 'aws-lambda',
  client_platform: 'azure',
  status: 'running',
  status_history: [{ status: 'running', at: '2026-12-05T10:00:00.000Z' }],
  reason: null,
  started_at: '2026-12-05T10:00:00.000Z',
  ended_at: null,
  params: {},
  manifest: {},
  execution_id: null,
  invocation_count: 0,
  cost_estimate: null,
  result: null,
};
const store = { listRuns: async () => [run], getRun: async () => run, summarize: async () => [], experimentRows: async () => ({}), invocations: async () => [] } as unknown as UiResultsStore;

interface TokenRequest {
  url: string;
  form: URLSearchParams;
}

function makeApp(tokenAnswer: () => Response = () => Response.json({ access_token: accessToken(), id_token: 'unused', expires_in: 3600, token_type: 'Bearer' })) {
  const verifier = CognitoJwtVerifier.create({ userPoolId: POOL_ID, tokenUse: 'access', clientId: CLIENT_ID });
  const jwk = keys.publicKey.export({ format: 'jwk' });
  verifier.cacheJwks({ keys: [{ ...jwk, kid: KID, alg: 'RS256', use: 'sig', kty: 'RSA', n: String(jwk.n), e: String(jwk.e) }] });
  const tokenRequests: TokenRequest[] = [];
  const fakeFetch = (async (url: string | URL, init?: RequestInit) => {
    tokenRequests.push({ url: String(url), form: new URLSearchParams(String(init?.body)) });
    return tokenAnswer();
  }) as typeof fetch;
  const results = storeSource(store);
  const app = createUiApp({
    results,
    feed: createPollingRunFeed({ source: results, intervalMs: 60_000 }),
    auth: { mode: 'cognito', verifier: { verify: (token) => verifier.verify(token) }, clientId: CLIENT_ID, loginDomain: LOGIN_DOMAIN, fetch: fakeFetch },
    log: () => undefined,
  });
  const request = (path: string, init: RequestInit & { headers?: Record<string, string> } = {}) =>
    app.request(path, { ...init, headers: { host: 'abc123.lambda-url.eu-west-1.on.aws', 'x-forwarded-host': PUBLIC_HOST, ...init.headers } });
  return { request, tokenRequests };
}

/** `name=value` of a Set-Cookie header, and its attributes in lower case. */
function cookieFrom(response: Response, name: string): { pair: string; value: string; attributes: string[] } | undefined {
  const header = response.headers.getSetCookie().find((cookie) => cookie.startsWith(`${name}=`));
  if (!header) return undefined;
  const [pair, ...attributes] = header.split(';').map((part) => part.trim());
  return { pair: pair as string, value: (pair as string).slice(name.length + 1), attributes: attributes.map((attribute) => attribute.toLowerCase()) };
}

describe('deployed mode (Cognito)', () => {
  test('refuses every API and event-stream request without credentials with 401', async () => {
    const { request } = makeApp();
    for (const path of ['/api/runs', '/api/runs/run-000001', '/api/events']) {
      const response = await request(path);
      expect(response.status, path).toBe(401);
      expect(response.headers.get('www-authenticate')).toContain('Bearer');
      expect(((await response.json()) as { error: { type: string } }).error.type).toBe('Unauthorized');
    }
    const stream = await request('/', { headers: { accept: 'text/event-stream' } });
    expect(stream.status).toBe(401);
    expect((await request('/healthz')).status).toBe(200);
  });

  test('sends a browser without a session to the hosted login, with PKCE and a state cookie', async () => {
    const { request } = makeApp();
    const response = await request('/runs?status=failed');
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location') ?? '');
    expect(location.origin + location.pathname).toBe(`${LOGIN_DOMAIN}/oauth2/authorize`);
    expect(Object.fromEntries(location.searchParams)).toMatchObject({
      response_type: 'code',
      client_id: CLIENT_ID,
      redirect_uri: `https://${PUBLIC_HOST}/auth/callback`,
      scope: 'openid',
      code_challenge_method: 'S256',
    });
    expect(location.searchParams.get('state')?.length).toBeGreaterThanOrEqual(16);
    const cookie = cookieFrom(response, '__Host-fb-ui-login');
    expect(cookie?.attributes).toEqual(expect.arrayContaining(['httponly', 'secure', 'samesite=lax', 'path=/']));
  });

  test('accepts a valid access token from the session cookie or a Bearer header, and refuses bad ones', async () => {
    const { request } = makeApp();
    const page = await request('/', { headers: { cookie: `__Host-fb-ui-session=${accessToken()}` } });
    expect(page.status).toBe(200);
    const text = await page.text();
    expect(text).toContain('<span>researcher</span> <button type="submit">Sign out</button>');
    expect(text).toContain('data-run-id="run-000001"');
    expect(page.headers.get('strict-transport-security')).toContain('max-age=');
    expect((await request('/api/runs', { headers: { authorization: `Bearer ${accessToken()}` } })).status).toBe(200);

    const nowS = Math.floor(Date.now() / 1000);
    const bad = {
      expired: accessToken({ iat: nowS - 7200, exp: nowS - 3600 }),
      'another app client': accessToken({ client_id: 'someone-else' }),
      'another pool': accessToken({ iss: `https://cognito-idp.${REGION}.amazonaws.com/${REGION}_OtherPool` }),
      'an id token': accessToken({ token_use: 'id', aud: CLIENT_ID }),
      'signed by another key': accessToken({}, otherKeys.privateKey),
      'not a JWT': 'hello',
    };
    for (const [what, token] of Object.entries(bad)) {
      expect((await request('/api/runs', { headers: { authorization: `Bearer ${token}` } })).status, what).toBe(401);
      expect((await request('/api/runs', { headers: { cookie: `__Host-fb-ui-session=${token}` } })).status, what).toBe(401);
    }
    // Without the __Host- prefix the cookie is not the session.
    expect((await request('/api/runs', { headers: { cookie: `fb-ui-session=${accessToken()}` } })).status).toBe(401);
  });

  test('the callback checks state, exchanges the code with the PKCE verifier, and sets the session cookie', async () => {
    const { request, tokenRequests } = makeApp();
    const start = await request('/runs?status=failed');
    const authorize = new URL(start.headers.get('location') ?? '');
    const login = cookieFrom(start, '__Host-fb-ui-login');
    const state = authorize.searchParams.get('state') ?? '';

    const forged = await request(`/auth/callback?code=abc&state=not-${state}`, { headers: { cookie: login?.pair ?? '' } });
    expect(forged.status).toBe(400);
    expect(await forged.text()).toContain('state mismatch');
    expect((await request(`/auth/callback?code=abc&state=${state}`)).status).toBe(400);
    expect(tokenRequests).toEqual([]);

    const callback = await request(`/auth/callback?code=the-code&state=${state}`, { headers: { cookie: login?.pair ?? '' } });
    expect(callback.status).toBe(302);
    expect(callback.headers.get('location')).toBe('/runs?status=failed');
    expect(tokenRequests).toHaveLength(1);
    const exchange = tokenRequests[0] as TokenRequest;
    expect(exchange.url).toBe(`${LOGIN_DOMAIN}/oauth2/token`);
    expect(Object.fromEntries(exchange.form)).toMatchObject({ grant_type: 'authorization_code', client_id: CLIENT_ID, code: 'the-code', redirect_uri: `https://${PUBLIC_HOST}/auth/callback` });
    expect(codeChallengeOf(exchange.form.get('code_verifier') ?? '')).toBe(authorize.searchParams.get('code_challenge'));
    const session = cookieFrom(callback, '__Host-fb-ui-session');
    expect(session?.attributes).toEqual(expect.arrayContaining(['httponly', 'secure', 'samesite=lax', 'path=/', 'max-age=3600']));
    expect((await request('/api/runs', { headers: { cookie: session?.pair ?? '' } })).status).toBe(200);
    expect(cookieFrom(callback, '__Host-fb-ui-login')?.attributes).toContain('max-age=0');
  });

  test('a token that does not verify is not kept, and the return path never leaves the site', async () => {
    const { request } = makeApp(() => Response.json({ access_token: accessToken({ client_id: 'someone-else' }), expires_in: 3600 }));
    const start = await request('/auth/login?return=//evil.example/steal');
    const state = new URL(start.headers.get('location') ?? '').searchParams.get('state');
    const callback = await request(`/auth/callback?code=c&state=${state}`, { headers: { cookie: cookieFrom(start, '__Host-fb-ui-login')?.pair ?? '' } });
    expect(callback.status).toBe(401);
    expect(cookieFrom(callback, '__Host-fb-ui-session')).toBeUndefined();

    const good = makeApp();
    const again = await good.request('/auth/login?return=//evil.example/steal');
    const againState = new URL(again.headers.get('location') ?? '').searchParams.get('state');
    const landed = await good.request(`/auth/callback?code=c&state=${againState}`, { headers: { cookie: cookieFrom(again, '__Host-fb-ui-login')?.pair ?? '' } });
    expect(landed.headers.get('location')).toBe('/');
  });

  test('sign-out is a same-site POST that clears the session and ends the hosted-login session', async () => {
    const { request } = makeApp();
    const crossSite = await request('/auth/logout', { method: 'POST', headers: { 'sec-fetch-site': 'cross-site', cookie: `__Host-fb-ui-session=${accessToken()}` } });
    expect(crossSite.status).toBe(403);
    const response = await request('/auth/logout', { method: 'POST', headers: { 'sec-fetch-site': 'same-origin', cookie: `__Host-fb-ui-session=${accessToken()}` } });
    expect(response.status).toBe(303);
    const location = new URL(response.headers.get('location') ?? '');
    expect(location.origin + location.pathname).toBe(`${LOGIN_DOMAIN}/logout`);
    expect(location.searchParams.get('logout_uri')).toBe(`https://${PUBLIC_HOST}/`);
    expect(cookieFrom(response, '__Host-fb-ui-session')?.attributes).toContain('max-age=0');
    // A GET never signs anyone out.
    expect((await request('/auth/logout')).status).toBe(404);
  });
});
