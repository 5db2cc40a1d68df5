/**
 * The results web UI as one hono application, the same on Node (`fb ui`, @hono/node-server) and
 * on Lambda (lambdas/ui/handler.ts, `hono/aws-lambda` streamHandle). Everything that differs
 * between the two comes in through {@link UiAppOptions}, built at those edges: where the results
 * are read from, the run-change feed, the auth mode, and where the static assets are.
 *
 * Routes: `/` (runs now and recently, live), `/runs` (filters), `/runs/:id` (a run and its report),
 * `/runs/:id/invocations.csv|.arrow`, `/api/runs`, `/api/runs/:id`, `/api/events` (server-sent
 * events), `/healthz`, `/static/*` (when `staticDir` is given), and `/auth/*` in Cognito mode.
 * Every route is a GET that changes nothing, except the sign-out POST.
 */
import { type Context, Hono } from 'hono';
import { type CognitoAuthOptions, cognitoGuard, registerCognitoRoutes } from './auth/cognito';
import type { UiEnv } from './hono-env';
import { httpStatusOf, publicMessageOf } from './http-errors';
import { renderMessagePage } from './pages/run-page';
import type { UiResultsSource } from './results-source';
import { registerApiRoutes } from './routes/api';
import { registerDownloadRoutes } from './routes/downloads';
import { registerEventRoutes } from './routes/events';
import { pageContextOf, registerPageRoutes } from './routes/pages';
import type { RunChangeFeed } from './run-feed';
import { type RunReportRenderer, renderRunTablesReport } from './run-report';
import { hostCheck, securityHeaders } from './security';
import { loadStaticAssets } from './static-assets';

/** Who may use the UI. */
export type UiAuthOptions =
  /** On this machine: no sign-in; only requests addressed to these hosts (`127.0.0.1:<port>`, `localhost:<port>`). */
  | { mode: 'none'; allowedHosts: () => readonly string[] }
  /** Deployed: a Cognito access token on every route but sign-in and health. */
  | ({ mode: 'cognito' } & CognitoAuthOptions);

export interface UiAppOptions {
  results: UiResultsSource;
  feed: RunChangeFeed;
  auth: UiAuthOptions;
  /** The URL path the pages load web/static/ from. @default '/static' */
  assetPrefix?: string;
  /** Serve the static files from this directory under `assetPrefix` (locally; deployed, CloudFront does). */
  staticDir?: string;
  /** The run page's report section. @default the UI's statistics tables and experiment rows */
  runReport?: RunReportRenderer;
  /** Experiment names the runs filter suggests. */
  experimentNames?: readonly string[];
  /** The event stream's timing (web/routes/events.ts). */
  events?: { heartbeatMs?: number; maxStreamMs?: number; retryMs?: number; remainingTimeMs?: (c: Context) => number | undefined };
  /** Where failures are told. @default console.error */
  log?: (message: string, error?: unknown) => void;
  now?: () => number;
}

export function createUiApp(options: UiAppOptions): Hono<UiEnv> {
  const assetPrefix = (options.assetPrefix ?? '/static').replace(/\/+$/, '');
  const now = options.now ?? Date.now;
  const log = options.log ?? ((message: string, error?: unknown) => console.error(`fb ui: ${message}`, error ?? ''));
  const { auth } = options;
  const app = new Hono<UiEnv>();

  app.use(securityHeaders({ formActions: auth.mode === 'cognito' ? [new URL(auth.loginDomain).origin] : [], hsts: auth.mode === 'cognito', cacheablePrefix: assetPrefix }));
  if (auth.mode === 'none') app.use(hostCheck(auth.allowedHosts));
  app.get('/healthz', (c) => c.text('ok'));
  if (options.staticDir) {
    const assets = loadStaticAssets(options.staticDir);
    app.get(`${assetPrefix}/:name`, (c) => {
      const asset = assets.get(c.req.param('name'));
      if (!asset) return c.notFound();
      c.header('Content-Type', asset.contentType);
      c.header('Cache-Control', 'no-cache');
      return c.body(new Uint8Array(asset.body));
    });
  }
  if (auth.mode === 'cognito') {
    app.use(cognitoGuard(auth));
    registerCognitoRoutes(app, auth);
  }

  registerPageRoutes(app, { results: options.results, feed: options.feed, runReport: options.runReport ?? renderRunTablesReport, assetPrefix, experimentNames: options.experimentNames ?? [], now });
  registerDownloadRoutes(app, options.results);
  registerApiRoutes(app, options.results);
  registerEventRoutes(app, {
    feed: options.feed,
    heartbeatMs: options.events?.heartbeatMs ?? 15_000,
    maxStreamMs: options.events?.maxStreamMs ?? 30 * 60_000,
    retryMs: options.events?.retryMs ?? 2_000,
    ...(options.events?.remainingTimeMs ? { remainingTimeMs: options.events.remainingTimeMs } : {}),
    now,
    log,
  });

  const wantsJson = (path: string) => path.startsWith('/api/') || /\.(csv|arrow)$/.test(path);
  app.notFound((c) => (wantsJson(c.req.path) ? c.json({ error: { type: 'NotFound', message: `no route ${c.req.path}` } }, 404) : c.html(renderMessagePage(pageContextOf(c, assetPrefix), 'Not found', `Nothing lives at ${c.req.path}.`), 404)));
  app.onError((error, c) => {
    const status = httpStatusOf(error);
    if (status >= 500) log(`${c.req.method} ${c.req.path} failed`, error);
    const message = publicMessageOf(error);
    if (wantsJson(c.req.path)) return c.json({ error: { type: status === 500 ? 'InternalError' : error.name, message } }, status);
    return c.html(renderMessagePage(pageContextOf(c, assetPrefix), status === 400 ? 'Bad request' : status === 404 ? 'Not found' : 'Something went wrong', message), status);
  });
  return app;
}
