/**
 * `UiStack`: the deployed web UI (the same app `fb ui` serves locally, `web/`), its own stack so
 * the results stack stays stateful-only and the control plane is deployed without it. It
 * composes (construct id in parentheses):
 *
 * - `UiAuth` (`Auth`): the Cognito user pool (no self sign-up, MFA required, Plus plan with
 *   threat protection), its managed-login domain and the UI's app client;
 * - `UiFunction` (`Ui`): the UI Lambda reading the results through the Data API, behind a
 *   function URL with IAM auth and response streaming;
 * - `UiDistribution` (`Site`): CloudFront in front of both the function URL and the static-assets
 *   bucket (origin access control for each), HTTPS only, security headers, access logs.
 * Then the app client is given the distribution's callback and sign-out URLs
 * (`UiAuth.registerUiUrl`, which breaks the client → Lambda → URL → distribution → client cycle).
 *
 * Outputs: `UiUrl` (open it and sign in), `UserPoolId` (add users with
 * `aws cognito-idp admin-create-user --user-pool-id <UserPoolId> --username <email>
 * --user-attributes Name=email,Value=<email> Name=email_verified,Value=true`), `LoginDomain`,
 * `UserPoolClientId`.
 *
 * The user pool (accounts) is retained if the stack goes; everything else is stateless and may be
 * renamed freely (a renamed construct's resources are replaced).
 *
 * Idle cost: nothing but S3 storage (assets, logs) and CloudWatch Logs. Cognito bills per monthly
 * active user (Plus plan: a few cents each), CloudFront per request, Lambda per use (an open live
 * page holds one streaming invocation: about 1.5 US cents an hour).
 */
import { Aspects, CfnOutput, ReferenceStrength, Stack, type StackProps } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { DEFAULT_CROSS_STACK_REFERENCES } from 'aws-cdk-lib/cx-api';
import { resolve } from 'node:path';
import type { Construct } from 'constructs';
import type { StageConfig } from '../config/stage';
import { PROJECT_ROOT } from '../constructs/control-plane-function';
import type { ControlPlaneResults } from '../constructs/control-plane-results';
import { EncryptLogGroups } from '../constructs/log-group-encryption';
import { UiAuth } from '../constructs/ui-auth';
import { UiDistribution } from '../constructs/ui-distribution';
import { UiFunction } from '../constructs/ui-function';

/** Properties of the {@link UiStack}. */
export interface UiStackProps extends StackProps {
  /** Stage name, part of the user pool's, client's and login domain's names. */
  readonly stageName: string;

  /** The results database the UI reads (normally the stage's `ResultsStack`). */
  readonly results: Pick<ControlPlaneResults, 'cluster' | 'secret' | 'databaseName'>;

  /** Encrypts every log group of the stack (the results stack's key, whose policy admits CloudWatch Logs). */
  readonly logsKey: kms.IKey;

  /**
   * The folder served under `/static/`.
   *
   * @default `web/static` of the repository
   */
  readonly staticAssetsDir?: string;

  /**
   * Retention of the stack's log groups.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
}

/** The props of the UI stack of a validated stage. */
export function uiStackProps(config: StageConfig, results: UiStackProps['results'] & { readonly key: kms.IKey }): UiStackProps {
  return {
    env: { account: config.account, region: config.region },
    stageName: config.stageName,
    results,
    logsKey: results.key,
    logRetention: config.logRetentionDays as logs.RetentionDays,
  };
}

/** Cognito, the UI Lambda and its CloudFront distribution. */
export class UiStack extends Stack {
  readonly auth: UiAuth;
  readonly ui: UiFunction;
  readonly site: UiDistribution;
  /** `https://<id>.cloudfront.net`. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: UiStackProps) {
    super(scope, id, {
      description: `faas-benchmarker results UI (${props.stageName}): Cognito, the UI Lambda, CloudFront`,
      ...props,
    });
    // As in the control-plane stack: cross-stack references are exports, so the results stack cannot drop one in use.
    this.node.setContext(DEFAULT_CROSS_STACK_REFERENCES, ReferenceStrength.STRONG);
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_YEAR;
    Aspects.of(this).add(new EncryptLogGroups(props.logsKey));

    this.auth = new UiAuth(this, 'Auth', { stageName: props.stageName, logRetention });
    this.ui = new UiFunction(this, 'Ui', {
      results: props.results,
      auth: { userPoolId: this.auth.userPool.userPoolId, clientId: this.auth.clientId, loginBaseUrl: this.auth.loginBaseUrl },
      logRetention,
    });
    this.site = new UiDistribution(this, 'Site', {
      functionUrl: this.ui.url,
      staticAssetsDir: props.staticAssetsDir ?? resolve(PROJECT_ROOT, 'web', 'static'),
      logRetention,
    });
    this.auth.registerUiUrl(this.site.url);
    this.url = this.site.url;

    new CfnOutput(this, 'UiUrl', { value: this.url, description: 'The results UI: open it and sign in' });
    new CfnOutput(this, 'UserPoolId', {
      value: this.auth.userPool.userPoolId,
      description: 'Add a user: aws cognito-idp admin-create-user --user-pool-id <this> --username <email> --user-attributes Name=email,Value=<email> Name=email_verified,Value=true',
    });
    new CfnOutput(this, 'UserPoolClientId', { value: this.auth.clientId });
    new CfnOutput(this, 'LoginDomain', { value: this.auth.loginBaseUrl, description: 'Cognito managed login' });
  }
}
