/**
 * Deployed mode: every route but `/auth/*`, `/healthz` and the static assets needs a Cognito-issued
 * access token, verified with aws-jwt-verify (signature against the user pool's JWKS, issuer,
 * expiry, `token_use: access`, this app client's id).
 *
 * Browsers sign in through the user pool's hosted login with the authorization-code flow and PKCE
 * (a public app client: the Lambda holds no client secret). An unauthenticated page request is
 * redirected to the hosted login; `/auth/callback` checks `state`, exchanges the code (with the
 * PKCE verifier) at the token endpoint, verifies the access token and keeps it in an HttpOnly,
 * Secure, SameSite=Lax `__Host-` cookie for as long as the token lives. API and event-stream
 * requests without a valid token get 401 (scripts may send `Authorization: Bearer <access token>`
 * instead of the cookie). When the token expires the browser is sent through the hosted login
 * again, which the user pool's own session usually answers without a prompt.
 */
import type { Context, Hono, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
import type { UiEnv } from '../hono-env';
import { newLoginChallenge } from './pkce';

/** The claims the UI reads from a verified access token. */
export interface AccessTokenClaims {
  username?: unknown;
  sub?: unknown;
}

/** Verifies an access token (aws-jwt-verify's CognitoJwtVerifier at the edge); rejects when invalid. */
export interface AccessTokenVerifier {
  verify(token: string): Promise<AccessTokenClaims>;
}

export interface CognitoAuthOptions {
  verifier: AccessTokenVerifier;
  /** The user pool app client (public, with the authorization-code grant). */
  clientId: string;
  /** The hosted login's base URL, `https://<domain>.auth.<region>.amazoncognito.com`. */
  loginDomain: string;
  /** The UI's public URL; when absent, `https://` + the request's `x-forwarded-host` (CloudFront). */
  baseUrl?: string;
  /** For the token endpoint; tests give a fake. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** The scopes asked for. @default ['openid'] */
  scopes?: readonly string[];
}

export class CognitoAuthError extends Error {
  override name = 'CognitoAuthError';
}

export const SESSION_COOKIE = 'fb-ui-session';
export const LOGIN_COOKIE = 'fb-ui-login';
const LOGIN_COOKIE_MAX_AGE_S = 600;
const PUBLIC_PATHS = /^\/(auth\/|healthz$)/;

const loginCookieSchema = z.strictObject({ state: z.string().min(16), verifier: z.string().min(43), returnTo: z.string() });
const tokenResponseSchema = z.object({ access_token: z.string().min(1), expires_in: z.number().int().positive() });

/** Only a path on this site: never `//other.host` or a scheme, so the login cannot be turned into an open redirect. */
function safeReturnPath(value: string | undefined): string {
  return value && /^\/(?![/\\])/.test(value) ? value : '/';
}

function baseUrlOf(c: Context<UiEnv>, options: CognitoAuthOptions): string {
  if (options.baseUrl) return options.baseUrl.replace(/\/+$/, '');
  const host = c.req.header('x-forwarded-host');
  if (!host || !/^[\w.-]+(:\d+)?$/.test(host)) throw new CognitoAuthError('UI_BASE_URL is not set and the request has no usable x-forwarded-host header');
  return `https://${host}`;
}

function cookieOptions(maxAgeS: number) {
  return { path: '/', httpOnly: true, secure: true, sameSite: 'Lax' as const, maxAge: maxAgeS, prefix: 'host' as const };
}

/** Answer a request that has no valid token: pages go to the hosted login, everything else gets 401. */
function refuse(c: Context<UiEnv>, options: CognitoAuthOptions, why: string): Response {
  const wantsPage = c.req.method === 'GET' && !c.req.path.startsWith('/api/') && !(c.req.header('accept') ?? '').includes('text/event-stream');
  if (!wantsPage) {
    c.header('WWW-Authenticate', 'Bearer realm="fb-ui"');
    return c.json({ error: { type: 'Unauthorized', message: `sign in first: ${why}` } }, 401);
  }
  return redirectToLogin(c, options, `${c.req.path}${new URL(c.req.url).search}`);
}

function redirectToLogin(c: Context<UiEnv>, options: CognitoAuthOptions, returnTo: string): Response {
  const login = newLoginChallenge();
  const cookie = { state: login.state, verifier: login.verifier, returnTo: safeReturnPath(returnTo) };
  setCookie(c, LOGIN_COOKIE, Buffer.from(JSON.stringify(cookie)).toString('base64url'), cookieOptions(LOGIN_COOKIE_MAX_AGE_S));
  const url = new URL('/oauth2/authorize', options.loginDomain);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: options.clientId,
    redirect_uri: `${baseUrlOf(c, options)}/auth/callback`,
    scope: (options.scopes ?? ['openid']).join(' '),
    state: login.state,
    code_challenge: login.challenge,
    code_challenge_method: 'S256',
  }).toString();
  return c.redirect(url.toString(), 302);
}

function tokenOf(c: Context<UiEnv>): string | undefined {
  const header = c.req.header('authorization');
  if (header?.startsWith('Bearer ')) return header.slice('Bearer '.length).trim();
  return getCookie(c, SESSION_COOKIE, 'host');
}

function userOf(claims: AccessTokenClaims): string {
  if (typeof claims.username === 'string') return claims.username;
  return typeof claims.sub === 'string' ? claims.sub : 'signed in';
}

/** The middleware: public paths pass, everything else needs a verified token. */
export function cognitoGuard(options: CognitoAuthOptions): MiddlewareHandler<UiEnv> {
  return async (c, next) => {
    if (PUBLIC_PATHS.test(c.req.path)) return next();
    const token = tokenOf(c);
    if (!token) return refuse(c, options, 'no access token');
    let claims: AccessTokenClaims;
    try {
      claims = await options.verifier.verify(token);
    } catch (error) {
      return refuse(c, options, error instanceof Error ? error.message : 'invalid access token');
    }
    c.set('user', userOf(claims));
    return next();
  };
}

/** `/auth/login`, `/auth/callback`, `POST /auth/logout`. */
export function registerCognitoRoutes(app: Hono<UiEnv>, options: CognitoAuthOptions): void {
  const fetchToken = options.fetch ?? globalThis.fetch;

  app.get('/auth/login', (c) => redirectToLogin(c, options, c.req.query('return') ?? '/'));

  app.get('/auth/callback', async (c) => {
    const raw = getCookie(c, LOGIN_COOKIE, 'host');
    deleteCookie(c, LOGIN_COOKIE, { path: '/', secure: true, prefix: 'host' });
    const error = c.req.query('error');
    if (error) return c.text(`sign-in failed: ${error}${c.req.query('error_description') ? ` (${c.req.query('error_description')})` : ''}`, 400);
    let login: z.infer<typeof loginCookieSchema>;
    try {
      login = loginCookieSchema.parse(JSON.parse(Buffer.from(raw ?? '', 'base64url').toString('utf8')));
    } catch {
      return c.text('sign-in failed: this browser did not start a sign-in here (or it took longer than 10 minutes); open the UI again', 400);
    }
    const code = c.req.query('code');
    if (!code || c.req.query('state') !== login.state) return c.text('sign-in failed: the answer does not belong to this sign-in (state mismatch)', 400);
    let answer: Response;
    let body: unknown;
    try {
      answer = await fetchToken(new URL('/oauth2/token', options.loginDomain), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', client_id: options.clientId, code, redirect_uri: `${baseUrlOf(c, options)}/auth/callback`, code_verifier: login.verifier }).toString(),
      });
      body = answer.ok ? await answer.json() : undefined;
    } catch (failure) {
      return c.text(`sign-in failed: the token endpoint cannot be reached (${failure instanceof Error ? failure.message : String(failure)})`, 502);
    }
    const tokens = tokenResponseSchema.safeParse(body);
    if (!tokens.success) return c.text(`sign-in failed: the token endpoint answered ${answer.status} without an access token`, 502);
    try {
      await options.verifier.verify(tokens.data.access_token);
    } catch (failure) {
      return c.text(`sign-in failed: the access token does not verify (${failure instanceof Error ? failure.message : String(failure)})`, 401);
    }
    setCookie(c, SESSION_COOKIE, tokens.data.access_token, cookieOptions(tokens.data.expires_in));
    return c.redirect(safeReturnPath(login.returnTo), 302);
  });

  app.post('/auth/logout', (c) => {
    // A cross-site form cannot sign the user out (nor could it do more than that).
    const site = c.req.header('sec-fetch-site');
    if (site !== undefined && site !== 'same-origin' && site !== 'none') return c.text('refused: cross-site sign-out', 403);
    deleteCookie(c, SESSION_COOKIE, { path: '/', secure: true, prefix: 'host' });
    const url = new URL('/logout', options.loginDomain);
    url.search = new URLSearchParams({ client_id: options.clientId, logout_uri: `${baseUrlOf(c, options)}/` }).toString();
    return c.redirect(url.toString(), 303);
  });
}
