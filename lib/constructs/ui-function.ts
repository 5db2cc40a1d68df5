/**
 * `UiFunction`: the web UI's Lambda (lambdas/ui/handler.ts: the web app of `web/` behind hono's
 * `streamHandle`), reachable only through a function URL that demands IAM-signed requests — which
 * only the UI's CloudFront distribution can make (origin access control, see ./ui-distribution.ts)
 * — and that streams its responses (server-sent events for the live runs page, CSV and Arrow
 * downloads larger than a buffered response allows).
 *
 * The app reads exactly these variables: `AWS_REGION` (set by Lambda), `RESULTS_CLUSTER_ARN`,
 * `RESULTS_SECRET_ARN`, `RESULTS_DATABASE`, `UI_USER_POOL_ID`, `UI_CLIENT_ID`, `UI_LOGIN_DOMAIN`.
 * `UI_BASE_URL` is not set: the app takes its public URL from the `x-forwarded-host` header,
 * which the distribution sets from the viewer's Host (the function URL sees its own host), so
 * the function needs nothing of the distribution and no dependency cycle arises.
 *
 * Results are read through the RDS Data API with the same grant as the step Lambdas
 * (`grantDataApiAccess`: rds-data on the cluster, read of its secret). That grant cannot be made
 * read-only: the Data API runs every statement as the database user of the secret, here the
 * master user. The UI's code only reads; making that a database-level guarantee would need a
 * second database user with SELECT grants only and its own secret (a migration and a secret the
 * results stack does not have yet).
 *
 * Children: `Function` (a ControlPlaneFunction) and its function URL.
 *
 * Idle cost: nothing. Each open live page holds one streaming invocation (up to the timeout, then
 * the browser reconnects), billed by duration: about 1.5 US cents an hour at 512 MiB on ARM.
 */
import { Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ControlPlaneFunction } from './control-plane-function';
import { type ControlPlaneResults, resultsEnvironment } from './control-plane-results';

/** The handler module of the UI Lambda. */
export const UI_HANDLER_ENTRY = 'lambdas/ui/handler.ts';

/** Properties of a {@link UiFunction}. */
export interface UiFunctionProps {
  /** The results database the UI reads (cluster, secret, database name). */
  readonly results: Pick<ControlPlaneResults, 'cluster' | 'secret' | 'databaseName'>;
  /** The UI's Cognito user pool, app client and managed-login base URL. */
  readonly auth: { readonly userPoolId: string; readonly clientId: string; readonly loginBaseUrl: string };

  /**
   * How long one invocation (a page, a download, one live-page stream) may run.
   *
   * @default Duration.minutes(5)
   */
  readonly timeout?: Duration;

  /**
   * Memory in MiB (report charts render server-side).
   *
   * @default 512
   */
  readonly memorySizeMiB?: number;

  /**
   * Retention of the function's log group.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
}

/** The UI Lambda behind an IAM-authenticated, response-streaming function URL. */
export class UiFunction extends Construct {
  readonly function: ControlPlaneFunction;
  /** The function URL (AWS_IAM, RESPONSE_STREAM): the distribution's origin. */
  readonly url: lambda.FunctionUrl;

  constructor(scope: Construct, id: string, props: UiFunctionProps) {
    super(scope, id);
    this.function = new ControlPlaneFunction(this, 'Function', {
      entry: UI_HANDLER_ENTRY,
      description: 'The results web UI (web/): pages, /api/*, /auth/*; signed-in users only (Cognito)',
      memorySizeMiB: props.memorySizeMiB ?? 512,
      timeout: props.timeout ?? Duration.minutes(5),
      ...(props.logRetention ? { logRetention: props.logRetention } : {}),
      environment: {
        ...resultsEnvironment(props.results),
        UI_USER_POOL_ID: props.auth.userPoolId,
        UI_CLIENT_ID: props.auth.clientId,
        UI_LOGIN_DOMAIN: props.auth.loginBaseUrl,
      },
    });
    props.results.cluster.grantDataApiAccess(this.function);
    this.url = this.function.function.addFunctionUrl({
      authType: lambda.FunctionUrlAuthType.AWS_IAM,
      invokeMode: lambda.InvokeMode.RESPONSE_STREAM,
    });
  }
}
