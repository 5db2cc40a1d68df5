/**
 * `UiAuth`: who may use the deployed web UI — a Cognito user pool with a managed-login domain
 * and one app client for the UI's authorization-code flow (with PKCE: a public client, the UI
 * Lambda holds no client secret).
 *
 * - No self sign-up: an administrator creates each user (`aws cognito-idp admin-create-user`),
 *   who gets a temporary password by email and must change it at first sign-in.
 * - Passwords of at least 14 characters with upper and lower case, digits and symbols, the last
 *   5 not reused; MFA required, by authenticator app (TOTP; no SMS, which costs money and is the
 *   weaker factor).
 * - The Plus feature plan with threat protection enforced (risky sign-ins blocked, compromised
 *   passwords refused). It bills per monthly active user (a few cents each), which for the
 *   handful of people who look at a benchmark's results is cents a month.
 * - The pool keeps user accounts: it is retained, with deletion protection, if the stack goes.
 *
 * The app client's callback and sign-out URLs name the UI's CloudFront domain, which exists only
 * after the distribution, which needs the UI Lambda's function URL, which needs this client's id
 * in the Lambda's environment: a cycle. It is broken here: the client is created without its
 * OAuth settings, and {@link UiAuth.registerUiUrl} adds them — URLs, code flow, scopes — with one
 * `UpdateUserPoolClient` call (a CDK `AwsCustomResource`) once the distribution exists. Because
 * `UpdateUserPoolClient` replaces every setting, the call sends the client's whole configuration
 * (one constant, {@link CLIENT_SETTINGS}, used for the client resource too, so a change to it
 * changes both and the call runs again after CloudFormation updated the client).
 *
 * Children: `UserPool`, `LoginDomain`, `LoginBranding`, `Client`, and after `registerUiUrl`:
 * `ClientUrlsLogs`, `ClientUrlsRole`, `ClientUrls`.
 *
 * Idle cost: nothing (Cognito bills per monthly active user; the custom resource runs on deploys).
 */
import { createHash } from 'node:crypto';
import { Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { LAMBDA_OUTSIDE_VPC_REASON } from './control-plane-function';
import { acknowledgeGuard } from './guard-rules';

/** The UI's routes Cognito sends the browser back to. */
export const UI_CALLBACK_PATH = '/auth/callback';
export const UI_SIGNED_OUT_PATH = '/';

/**
 * The app client's settings besides its URLs and OAuth flows, as `UpdateUserPoolClient` takes
 * them (and the client resource, with the same names).
 */
export const CLIENT_SETTINGS = {
  /** Sign-in happens in managed login; the UI itself only exchanges codes and refreshes tokens. */
  ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
  SupportedIdentityProviders: ['COGNITO'],
  PreventUserExistenceErrors: 'ENABLED',
  EnableTokenRevocation: true,
  AccessTokenValidity: 60,
  IdTokenValidity: 60,
  RefreshTokenValidity: 12 * 60,
  TokenValidityUnits: { AccessToken: 'minutes', IdToken: 'minutes', RefreshToken: 'minutes' },
} as const;

/** The OAuth part the custom resource adds, with the URLs. */
export const CLIENT_OAUTH = {
  AllowedOAuthFlows: ['code'],
  AllowedOAuthFlowsUserPoolClient: true,
  AllowedOAuthScopes: ['openid', 'email', 'profile'],
} as const;

/** Properties of {@link UiAuth}. */
export interface UiAuthProps {
  /** Stage name, part of the pool's and client's names. */
  readonly stageName: string;

  /**
   * Prefix of the managed-login domain (`https://<prefix>.auth.<region>.amazoncognito.com`),
   * unique in the region across all accounts.
   *
   * @default - `faas-benchmarker-<stage>-` and 8 hex characters of a hash of account, region and stage (no account id in the URL)
   */
  readonly domainPrefix?: string;

  /**
   * Retention of the custom resource's log group.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
}

/** The UI's Cognito user pool, managed-login domain and app client. */
export class UiAuth extends Construct {
  readonly userPool: cognito.UserPool;
  readonly client: cognito.CfnUserPoolClient;
  readonly domain: cognito.UserPoolDomain;
  /** `https://<prefix>.auth.<region>.amazoncognito.com` (`UI_LOGIN_DOMAIN`). */
  readonly loginBaseUrl: string;
  private readonly logRetention: logs.RetentionDays;
  private registered = false;

  constructor(scope: Construct, id: string, props: UiAuthProps) {
    super(scope, id);
    this.logRetention = props.logRetention ?? logs.RetentionDays.ONE_YEAR;
    const stack = Stack.of(this);

    this.userPool = new cognito.UserPool(this, 'UserPool', {
      userPoolName: `faas-benchmarker-${props.stageName}-ui`,
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      autoVerify: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      passwordPolicy: {
        minLength: 14,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
        passwordHistorySize: 5,
      },
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      featurePlan: cognito.FeaturePlan.PLUS,
      standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      userInvitation: {
        emailSubject: `faas-benchmarker (${props.stageName}): your account for the results UI`,
        emailBody: 'Your user name is {username} and your temporary password is {####}. Sign in through the UI link you were given; you will set a password and an authenticator app.',
      },
    });

    this.domain = this.userPool.addDomain('LoginDomain', {
      cognitoDomain: { domainPrefix: props.domainPrefix ?? defaultDomainPrefix(props.stageName, stack.account, stack.region, this.node.addr) },
      managedLoginVersion: cognito.ManagedLoginVersion.NEWER_MANAGED_LOGIN,
    });
    this.loginBaseUrl = this.domain.baseUrl();

    this.client = new cognito.CfnUserPoolClient(this, 'Client', {
      userPoolId: this.userPool.userPoolId,
      clientName: `faas-benchmarker-${props.stageName}-ui`,
      generateSecret: false,
      explicitAuthFlows: [...CLIENT_SETTINGS.ExplicitAuthFlows],
      supportedIdentityProviders: [...CLIENT_SETTINGS.SupportedIdentityProviders],
      preventUserExistenceErrors: CLIENT_SETTINGS.PreventUserExistenceErrors,
      enableTokenRevocation: CLIENT_SETTINGS.EnableTokenRevocation,
      accessTokenValidity: CLIENT_SETTINGS.AccessTokenValidity,
      idTokenValidity: CLIENT_SETTINGS.IdTokenValidity,
      refreshTokenValidity: CLIENT_SETTINGS.RefreshTokenValidity,
      tokenValidityUnits: {
        accessToken: CLIENT_SETTINGS.TokenValidityUnits.AccessToken,
        idToken: CLIENT_SETTINGS.TokenValidityUnits.IdToken,
        refreshToken: CLIENT_SETTINGS.TokenValidityUnits.RefreshToken,
      },
    });

    // Managed login (v2) shows its pages only for a client with a branding; Cognito's own look is enough.
    new cognito.CfnManagedLoginBranding(this, 'LoginBranding', {
      userPoolId: this.userPool.userPoolId,
      clientId: this.client.ref,
      useCognitoProvidedValues: true,
    });
  }

  /** The app client's id (`UI_CLIENT_ID`). */
  get clientId(): string {
    return this.client.ref;
  }

  /**
   * Give the app client its OAuth settings for the UI at `baseUrl` (`https://…`, no trailing
   * slash): callback `<baseUrl>/auth/callback`, sign-out `<baseUrl>/`. Once per construct.
   */
  registerUiUrl(baseUrl: string): cr.AwsCustomResource {
    if (this.registered) throw new Error(`${this.node.path}: registerUiUrl was already called`);
    this.registered = true;
    const stack = Stack.of(this);
    const logGroup = new logs.LogGroup(this, 'ClientUrlsLogs', { retention: this.logRetention, removalPolicy: RemovalPolicy.RETAIN });
    // A role of our own: no managed policy, logs to this group only, and the one Cognito call.
    const role = new iam.Role(this, 'ClientUrlsRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
      description: "Sets the UI app client's callback and sign-out URLs once the CloudFront domain exists",
    });
    logGroup.grantWrite(role);
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['cognito-idp:UpdateUserPoolClient'], resources: [this.userPool.userPoolArn] }));
    const call: cr.AwsSdkCall = {
      service: 'CognitoIdentityServiceProvider',
      action: 'updateUserPoolClient',
      parameters: {
        UserPoolId: this.userPool.userPoolId,
        ClientId: this.client.ref,
        ClientName: this.client.clientName,
        ...CLIENT_SETTINGS,
        ...CLIENT_OAUTH,
        CallbackURLs: [`${baseUrl}${UI_CALLBACK_PATH}`],
        LogoutURLs: [`${baseUrl}${UI_SIGNED_OUT_PATH}`],
      },
      physicalResourceId: cr.PhysicalResourceId.of(this.client.ref),
    };
    const resource = new cr.AwsCustomResource(this, 'ClientUrls', {
      resourceType: 'Custom::UiClientUrls',
      onCreate: call,
      onUpdate: call,
      role,
      logGroup,
      installLatestAwsSdk: false,
      timeout: Duration.minutes(2),
    });
    // The AwsCustomResource's Lambda is a singleton of the stack, made by the first such resource.
    const handler = stack.node.tryFindChild(AWS_CUSTOM_RESOURCE_SINGLETON_ID);
    if (handler) acknowledgeGuard(handler, 'CT.LAMBDA.PR.3', `the Lambda of CDK's AwsCustomResource, which makes one Cognito call at deploy time: ${LAMBDA_OUTSIDE_VPC_REASON}`);
    return resource;
  }
}

/** The construct id CDK gives the singleton Lambda of every `AwsCustomResource` in a stack. */
const AWS_CUSTOM_RESOURCE_SINGLETON_ID = 'AWS679f53fac002430cb0da5b7982bd2287';

/** `faas-benchmarker-<stage>-<8 hex>`: unique per account, region and stage without showing the account id. */
function defaultDomainPrefix(stageName: string, account: string, region: string, fallback: string): string {
  const scope = Token.isUnresolved(account) || Token.isUnresolved(region) ? fallback : `${account}/${region}/${stageName}`;
  return `faas-benchmarker-${stageName}-${createHash('sha256').update(scope).digest('hex').slice(0, 8)}`;
}
