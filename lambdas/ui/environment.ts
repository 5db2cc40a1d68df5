/**
 * The UI Lambda's environment, read once at module load (the edge) and named on failure:
 * - `AWS_REGION`, `RESULTS_CLUSTER_ARN`, `RESULTS_SECRET_ARN`, `RESULTS_DATABASE`: the results
 *   database through the Data API (read only; the migrations Lambda owns the schema);
 * - `UI_USER_POOL_ID`, `UI_CLIENT_ID`: the Cognito user pool and its public app client
 *   (authorization-code grant with PKCE, callback URL `<UI>/auth/callback`, sign-out URL `<UI>/`);
 * - `UI_LOGIN_DOMAIN`: the hosted login's base URL, `https://<prefix>.auth.<region>.amazoncognito.com`;
 * - `UI_BASE_URL` (optional): the UI's public URL (the CloudFront distribution's); without it the
 *   redirect URI is built from the `x-forwarded-host` header CloudFront sends.
 */
import { z } from 'zod';

/**
 * A variable is missing or malformed. (Not lambdas/shared/environment.ts's error: importing that
 * module would pull the control plane's cloud clients into this function's bundle.)
 */
export class UiEnvironmentError extends Error {
  override name = 'UiEnvironmentError';
}

function requireEnv(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new UiEnvironmentError(`environment variable ${name} is not set`);
  return value;
}

export interface UiLambdaEnvironment {
  results: { region: string; resourceArn: string; secretArn: string; database: string };
  userPoolId: string;
  clientId: string;
  loginDomain: string;
  baseUrl: string | undefined;
}

const httpsUrl = z.url({ protocol: /^https$/ });

function httpsBase(name: string, value: string): string {
  const parsed = httpsUrl.safeParse(value);
  if (!parsed.success) throw new UiEnvironmentError(`environment variable ${name} must be an https URL, got ${JSON.stringify(value)}`);
  return value.replace(/\/+$/, '');
}

export function uiEnvironment(env: NodeJS.ProcessEnv): UiLambdaEnvironment {
  const userPoolId = requireEnv(env, 'UI_USER_POOL_ID');
  if (!/^[\w-]+_[0-9a-zA-Z]+$/.test(userPoolId)) throw new UiEnvironmentError(`environment variable UI_USER_POOL_ID must be a user pool id like eu-west-1_AbC123, got ${JSON.stringify(userPoolId)}`);
  return {
    results: {
      region: requireEnv(env, 'AWS_REGION'),
      resourceArn: requireEnv(env, 'RESULTS_CLUSTER_ARN'),
      secretArn: requireEnv(env, 'RESULTS_SECRET_ARN'),
      database: requireEnv(env, 'RESULTS_DATABASE'),
    },
    userPoolId,
    clientId: requireEnv(env, 'UI_CLIENT_ID'),
    loginDomain: httpsBase('UI_LOGIN_DOMAIN', requireEnv(env, 'UI_LOGIN_DOMAIN')),
    baseUrl: env.UI_BASE_URL ? httpsBase('UI_BASE_URL', env.UI_BASE_URL) : undefined,
  };
}
