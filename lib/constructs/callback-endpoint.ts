/**
 * `CallbackEndpoint`: where client agents report the outcome of their run (docs/architecture.md) — an
 * API Gateway HTTP API with one route, `POST /callback`, on the callback Lambda
 * (lambdas/callback/handler.ts), stage throttling and JSON access logs (no headers, no body: the
 * Authorization header carries the run's secret).
 *
 * The route has no API Gateway authorizer: a request is authenticated by its run's callback
 * secret (`Authorization: Bearer …`), whose HMAC tag the Lambda checks with the deployment's
 * signing key (`SigningKey`, a generated Secrets Manager secret, readable only by this Lambda and
 * StartAgent, the issuer) before it looks up the hash in the `callbacks` table. The Lambda reads and writes the results database through the Data API and may presign
 * raw-result uploads (for agents whose run outlived the URL in their plan); the stack lets it
 * `SendTaskSuccess/Failure/Heartbeat` on the state machine once that exists.
 *
 * Children: `SigningKey`, `Function` (the callback Lambda), `ApiAccessLogs`, `Api` (with its
 * `$default` stage and the `POST--callback` route).
 *
 * Idle cost: the signing key's secret (USD 0.40 a month) and CloudWatch Logs storage (the HTTP API
 * and Lambda bill per request).
 */
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ControlPlaneFunction } from './control-plane-function';
import { acknowledgeGuard } from './guard-rules';
import { type ControlPlaneResults, grantRawResults, resultsEnvironment } from './control-plane-results';

/** The route the client agent reports to. */
const CALLBACK_PATH = '/callback';

/** Properties of a {@link CallbackEndpoint}. */
export interface CallbackEndpointProps {
  /** Name of the HTTP API, e.g. `faas-benchmarker-dev-callback`. */
  readonly apiName: string;

  /** The results database (runs, callbacks) and bucket (fresh raw-result upload URLs). */
  readonly results: ControlPlaneResults;

  /**
   * Retention of the callback Lambda's log group and of the API access logs.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * Steady-state requests per second the API accepts, all runs together: the ceiling over the
   * callback Lambda's own per-secret throttling (lib/callback/throttle.ts), which refuses junk and
   * floods before any database query. Agents call a few times per run plus a heartbeat a minute;
   * a low shared limit would let anyone who floods the API starve every run's agent.
   *
   * @default 50
   */
  readonly rateLimitPerSecond?: number;

  /**
   * Requests the API accepts in a burst above the steady rate.
   *
   * @default 100
   */
  readonly burstLimitRequests?: number;
}

/** The callback Lambda behind `POST /callback` of a throttled, access-logged HTTP API. */
export class CallbackEndpoint extends Construct {
  /** The callback Lambda (`Function`). */
  readonly function: ControlPlaneFunction;
  /** The HTTP API (`Api`). */
  readonly api: apigwv2.HttpApi;
  /** The full callback URL the agents are given (`CALLBACK_URL` of the step Lambdas). */
  readonly url: string;
  /**
   * The key callback secrets are tagged with (lib/callback/signing-key.ts), `SigningKey`: the
   * callback Lambda may read it; grant it to the issuer (StartAgent) and to nothing else.
   */
  readonly signingKey: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: CallbackEndpointProps) {
    super(scope, id);
    const { results } = props;
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_YEAR;

    this.signingKey = new secretsmanager.Secret(this, 'SigningKey', {
      description: 'HMAC key of the callback secrets (StartAgent tags them, the callback Lambda checks the tag before any query)',
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
    });
    Validations.of(this.signingKey).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The callback signing key is not rotated automatically: a rotation would invalidate the secrets of every run waiting ' +
        'for its agent. It never leaves the two Lambdas that read it; replace it between runs if it may have leaked.',
    });

    this.function = new ControlPlaneFunction(this, 'Function', {
      entry: 'lambdas/callback/handler.ts',
      description: 'POST /callback: an agent reports success, failure or a heartbeat of its run',
      // API Gateway gives up on an integration after 30 s.
      timeout: Duration.seconds(29),
      logRetention,
      environment: {
        ...resultsEnvironment(results),
        STATE_MACHINE_REGION: Stack.of(this).region,
        RESULTS_BUCKET: results.bucket.bucketName,
        CALLBACK_SIGNING_KEY_SECRET_ARN: this.signingKey.secretArn,
      },
    });
    this.signingKey.grantRead(this.function);
    results.cluster.grantDataApiAccess(this.function);
    // It presigns fresh result uploads for agents whose run outlived the URL in their plan.
    grantRawResults(this.function, results, 'write');

    const accessLogs = new logs.LogGroup(this, 'ApiAccessLogs', { retention: logRetention, removalPolicy: RemovalPolicy.RETAIN });
    this.api = new apigwv2.HttpApi(this, 'Api', {
      apiName: props.apiName,
      description: 'Client agents report the outcome of their run (authenticated by the run\'s callback secret)',
      createDefaultStage: false,
    });
    const stage = this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.rateLimitPerSecond ?? 50, burstLimit: props.burstLimitRequests ?? 100 },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(accessLogs),
        // No headers and no body: the Authorization header carries the run's secret.
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            requestTime: '$context.requestTime',
            sourceIp: '$context.identity.sourceIp',
            userAgent: '$context.identity.userAgent',
            routeKey: '$context.routeKey',
            status: '$context.status',
            responseLength: '$context.responseLength',
            responseLatencyMs: '$context.responseLatency',
            integrationStatus: '$context.integrationStatus',
            integrationLatencyMs: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });
    const [route] = this.api.addRoutes({
      path: CALLBACK_PATH,
      methods: [apigwv2.HttpMethod.POST],
      integration: new HttpLambdaIntegration('CallbackIntegration', this.function.function, {
        payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
      }),
    });
    if (route) {
      Validations.of(route).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          'POST /callback is called by client agents that hold no AWS credentials and no IdP token; each request is ' +
          "authenticated by its run's callback secret (Authorization: Bearer), whose HMAC tag the callback Lambda checks with " +
          "the deployment's signing key before it checks the SHA-256 in the callbacks table, accepts once per run and only until the run expires.",
      });
      acknowledgeGuard(
        route,
        'CT.APIGATEWAY.PR.5',
        'the route has no API Gateway authorizer (AuthorizationType NONE) on purpose: client agents hold no AWS credentials ' +
          "and no IdP token; the callback Lambda authenticates each request by its run's callback secret (Authorization: Bearer) " +
          'against the SHA-256 in the callbacks table.',
      );
      // The route's invoke permission (below the route) is scoped by SourceArn to this API's POST /callback.
      acknowledgeGuard(
        route,
        'CT.LAMBDA.PR.2',
        "the permission is not public: apigateway.amazonaws.com may invoke the callback Lambda only with SourceArn this API's " +
          '*/*/callback route; the rule reads only literal SourceArn strings, and this one is a Fn::Join of the API id.',
      );
    }
    // `$default` stage: the URL is the API endpoint itself (`…/`), so the route follows it directly.
    this.url = `${stage.url}${CALLBACK_PATH.slice(1)}`;
  }
}
