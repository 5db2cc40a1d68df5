/**
 * The web UI as the UI Lambda serves it: web/app.ts over the results database through the Data
 * API (a SqlResultsStore that never migrates), behind Cognito (access tokens checked with
 * aws-jwt-verify's CognitoJwtVerifier, which fetches and caches the user pool's JWKS), with the
 * static assets left to CloudFront (`/static/*` from S3).
 *
 * Live updates: a function instance serves one request at a time, so each open page's event
 * stream is one streaming invocation with its own run-change feed, looking at the database every
 * {@link DEPLOYED_POLL_INTERVAL_MS}; the stream ends before the invocation's timeout and the
 * browser reconnects. The page closes its stream while the tab is hidden, so a forgotten tab does
 * not keep Aurora from pausing.
 */
import type { RDSDataClient } from '@aws-sdk/client-rds-data';
import { CognitoJwtVerifier } from 'aws-jwt-verify';
import type { Hono } from 'hono';
import { DataApiExecutor } from '../../lib/results/data-api-executor';
import { SqlResultsStore } from '../../lib/results/sql-store';
import type { AccessTokenVerifier } from '../../web/auth/cognito';
import { createUiApp } from '../../web/app';
import type { UiEnv } from '../../web/hono-env';
import { storeSource } from '../../web/results-source';
import { createPollingRunFeed } from '../../web/run-feed';
import type { UiLambdaEnvironment } from './environment';

export const DEPLOYED_POLL_INTERVAL_MS = 5_000;
/** Longest event stream; the invocation's remaining time shortens it (web/routes/events.ts). */
const DEPLOYED_MAX_STREAM_MS = 10 * 60_000;
/** How long a page waits for Aurora resuming from zero capacity. */
const RESUME_TIMEOUT_MS = 25_000;

export interface UiLambdaDependencies {
  /** The Data API client (tests point one at a local fake). */
  client?: RDSDataClient;
  /** The token verifier (tests give one with a cached JWKS). */
  verifier?: AccessTokenVerifier;
}

interface LambdaBindings {
  context?: { getRemainingTimeInMillis?: () => number };
}

export function createUiLambdaApp(environment: UiLambdaEnvironment, dependencies: UiLambdaDependencies = {}): Hono<UiEnv> {
  const executor = new DataApiExecutor({
    ...environment.results,
    ...(dependencies.client ? { client: dependencies.client } : {}),
    resumeTimeoutMs: RESUME_TIMEOUT_MS,
  });
  const results = storeSource(new SqlResultsStore(executor));
  const verifier =
    dependencies.verifier ??
    (() => {
      const cognito = CognitoJwtVerifier.create({ userPoolId: environment.userPoolId, tokenUse: 'access', clientId: environment.clientId });
      return { verify: (token: string) => cognito.verify(token) };
    })();
  return createUiApp({
    results,
    feed: createPollingRunFeed({ source: results, intervalMs: DEPLOYED_POLL_INTERVAL_MS, onError: (error) => console.error('fb ui: reading the runs failed', error) }),
    auth: {
      mode: 'cognito',
      verifier,
      clientId: environment.clientId,
      loginDomain: environment.loginDomain,
      ...(environment.baseUrl ? { baseUrl: environment.baseUrl } : {}),
    },
    assetPrefix: '/static',
    events: {
      maxStreamMs: DEPLOYED_MAX_STREAM_MS,
      remainingTimeMs: (c) => (c.env as LambdaBindings | undefined)?.context?.getRemainingTimeInMillis?.(),
    },
  });
}
