/**
 * Browser-facing protections shared by both modes, and the local mode's guard against DNS
 * rebinding:
 * - every answer carries a strict content security policy (scripts and connections only from the
 *   UI's own origin, no frames, no plugins; inline styles are allowed for chart SVG), `nosniff`,
 *   no referrer to other sites, and `no-store` unless it is a static asset;
 * - locally (`fb ui` on 127.0.0.1), a request whose Host header is not `127.0.0.1:<port>` or
 *   `localhost:<port>` is refused with 403: a page on another site whose name was rebound to
 *   127.0.0.1 cannot read the results;
 * - no CORS header is ever sent, so other origins' scripts cannot read any answer.
 */
import type { MiddlewareHandler } from 'hono';
import type { UiEnv } from './hono-env';

export interface SecurityHeaderOptions {
  /** Extra origins forms may go to (the hosted login for sign-out). */
  formActions?: readonly string[];
  /** Send Strict-Transport-Security (deployed, behind https). */
  hsts?: boolean;
  /** Paths under which answers may be cached (static assets). */
  cacheablePrefix?: string;
}

export function securityHeaders(options: SecurityHeaderOptions = {}): MiddlewareHandler<UiEnv> {
  const policy = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    `form-action 'self'${(options.formActions ?? []).map((origin) => ` ${origin}`).join('')}`,
  ].join('; ');
  return async (c, next) => {
    await next();
    c.header('Content-Security-Policy', policy);
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'same-origin');
    c.header('X-Frame-Options', 'DENY');
    c.header('Cross-Origin-Opener-Policy', 'same-origin');
    c.header('Cross-Origin-Resource-Policy', 'same-origin');
    if (options.hsts) c.header('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    const cacheable = options.cacheablePrefix !== undefined && c.req.path.startsWith(`${options.cacheablePrefix}/`);
    if (!cacheable && !c.res.headers.has('Cache-Control')) c.header('Cache-Control', 'no-store');
  };
}

/** Refuse requests whose Host header is not one of `allowedHosts()` (compared without case). */
export function hostCheck(allowedHosts: () => readonly string[]): MiddlewareHandler<UiEnv> {
  return async (c, next) => {
    const host = (c.req.header('host') ?? '').toLowerCase();
    if (!allowedHosts().some((allowed) => allowed.toLowerCase() === host)) {
      return c.text(`refused: Host ${JSON.stringify(host)} is not this UI's address (open it at http://${allowedHosts()[0] ?? '127.0.0.1'}/)`, 403);
    }
    await next();
  };
}
