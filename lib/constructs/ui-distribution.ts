/**
 * `UiDistribution`: the deployed web UI's only public entrance — a CloudFront distribution,
 * HTTPS only, with two origins, both reachable from CloudFront alone through origin access
 * control (OAC):
 * - default behaviour → the UI Lambda's function URL (IAM auth: CloudFront signs each request,
 *   anything else is refused by Lambda). No caching; every viewer header but Host is forwarded
 *   (Cookie for the session, Authorization, Accept for server-sent events), Host becomes
 *   `x-forwarded-host` (a CloudFront Function on viewer request copies it: the function URL must
 *   see its own Host, the app builds its links and Cognito redirect URLs from the public one).
 *   GET, HEAD and OPTIONS only: OAC signs no request body for a Lambda URL, and the UI needs none.
 * - `/static/*` → a private S3 bucket (`SecureBucket`, no public access) holding `web/static/`
 *   under `static/`, deployed with the stack (`BucketDeployment`, stale files pruned), cached.
 * Every response gets a security-headers policy (HSTS, nosniff, frame-deny, referrer policy).
 * Standard access logs of the distribution and server access logs of the bucket go to a log
 * bucket that expires them.
 *
 * Data is never served unauthenticated: the Lambda checks a Cognito session on every page and
 * API route (and answers 401 otherwise); the static files are the app's scripts and styles only.
 *
 * Children: `Logs` (log bucket), `Static` (assets bucket), `StaticFiles` (deployment), `ForwardHost`
 * (CloudFront Function), `SecurityHeaders`, `Distribution`.
 *
 * Idle cost: nothing but S3 storage of the assets and logs. CloudFront bills per request and
 * byte; the deployment's custom resource runs on deploys only.
 */
import { type CfnElement, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { LAMBDA_OUTSIDE_VPC_REASON } from './control-plane-function';
import { acknowledgeGuard, type GuardControl } from './guard-rules';
import { SecureBucket } from './secure-bucket';

/** Where the static assets are served from: `/static/<file>` is `static/<file>` in the bucket. */
export const STATIC_PATH_PATTERN = '/static/*';
export const STATIC_KEY_PREFIX = 'static/';

/**
 * The CloudFront Function (cloudfront-js-2.0) on viewer request of the Lambda behaviour: the
 * viewer's Host, as `x-forwarded-host` (any such header the viewer sent is replaced).
 */
export const FORWARD_HOST_CODE = `function handler(event) {
  var request = event.request;
  var host = request.headers.host;
  if (host) request.headers['x-forwarded-host'] = { value: host.value };
  else delete request.headers['x-forwarded-host'];
  return request;
}`;

/** Properties of a {@link UiDistribution}. */
export interface UiDistributionProps {
  /** The UI Lambda's function URL (auth type AWS_IAM). */
  readonly functionUrl: lambda.IFunctionUrl;

  /** The folder whose files are served under `/static/` (the web app's `web/static`). */
  readonly staticAssetsDir: string;

  /**
   * Age at which access logs are deleted.
   *
   * @default Duration.days(90)
   */
  readonly logsExpireAfter?: Duration;

  /**
   * Retention of the asset deployment's log group.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
}

/** The UI's CloudFront distribution, its static-assets bucket and its logs. */
export class UiDistribution extends Construct {
  readonly distribution: cloudfront.Distribution;
  /** `https://<id>.cloudfront.net`, no trailing slash. */
  readonly url: string;
  readonly staticBucket: SecureBucket;
  readonly logsBucket: SecureBucket;

  constructor(scope: Construct, id: string, props: UiDistributionProps) {
    super(scope, id);
    const logsExpireAfter = props.logsExpireAfter ?? Duration.days(90);

    this.logsBucket = new SecureBucket(this, 'Logs', {
      isAccessLogDestination: true,
      receivesCloudFrontLogs: true,
      lifecycleRules: [{ id: 'expire-logs', expiration: logsExpireAfter, noncurrentVersionExpiration: Duration.days(1), abortIncompleteMultipartUploadAfter: Duration.days(1) }],
    });
    this.staticBucket = new SecureBucket(this, 'Static', {
      serverAccessLogs: { bucket: this.logsBucket.bucket, prefix: 's3-access/ui-static/' },
      lifecycleRules: [{ id: 'old-versions', noncurrentVersionExpiration: Duration.days(30), abortIncompleteMultipartUploadAfter: Duration.days(1) }],
    });

    const forwardHost = new cloudfront.Function(this, 'ForwardHost', {
      code: cloudfront.FunctionCode.fromInline(FORWARD_HOST_CODE),
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      comment: 'UI: the viewer Host as x-forwarded-host (the function URL origin gets its own Host)',
    });
    const securityHeaders = new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'faas-benchmarker UI: security headers on every response',
      securityHeadersBehavior: {
        strictTransportSecurity: { accessControlMaxAge: Duration.days(730), includeSubdomains: true, override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.SAME_ORIGIN, override: true },
        xssProtection: { protection: true, modeBlock: true, override: true },
      },
    });

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: `faas-benchmarker results UI (${Stack.of(this).stackName})`,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: this.logsBucket.bucket,
      logFilePrefix: 'cloudfront/ui/',
      logIncludesCookies: false,
      defaultBehavior: {
        origin: origins.FunctionUrlOrigin.withOriginAccessControl(props.functionUrl, { readTimeout: Duration.seconds(60) }),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD_OPTIONS,
        cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
        originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
        responseHeadersPolicy: securityHeaders,
        compress: false,
        functionAssociations: [{ function: forwardHost, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST }],
      },
      additionalBehaviors: {
        [STATIC_PATH_PATTERN]: {
          origin: origins.S3BucketOrigin.withOriginAccessControl(this.staticBucket.bucket),
          viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
          cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
          responseHeadersPolicy: securityHeaders,
          compress: true,
        },
      },
    });
    this.url = `https://${this.distribution.distributionDomainName}`;

    const deploymentLogs = new logs.LogGroup(this, 'StaticFilesLogs', { retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR, removalPolicy: RemovalPolicy.RETAIN });
    // A role of our own for the deployment's Lambda: no managed policy, its log group only; the deployment adds its S3 and CloudFront grants.
    const deploymentRole = new iam.Role(this, 'StaticFilesRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } } }),
      description: 'Copies web/static into the UI assets bucket and invalidates /static/* at deploy time',
    });
    deploymentLogs.grantWrite(deploymentRole);
    new s3deploy.BucketDeployment(this, 'StaticFiles', {
      role: deploymentRole,
      sources: [s3deploy.Source.asset(props.staticAssetsDir, { exclude: ['.gitkeep'] })],
      destinationBucket: this.staticBucket.bucket,
      destinationKeyPrefix: STATIC_KEY_PREFIX,
      prune: true,
      distribution: this.distribution,
      distributionPaths: [STATIC_PATH_PATTERN],
      logGroup: deploymentLogs,
      memoryLimit: 256,
    });

    const reasons = {
      CFR1: 'The UI is for the people an administrator created accounts for, wherever they are; every page and API route requires a Cognito session, so there is no country to exclude.',
      CFR2:
        'No WAF: a web ACL for CloudFront must live in us-east-1 and costs a monthly fee per ACL and rule; the origin answers only CloudFront-signed requests ' +
        '(function URL with AWS_IAM and origin access control) and only signed-in Cognito users (MFA required, threat protection enforced).',
      CFR4:
        'The distribution uses the default *.cloudfront.net certificate, for which CloudFront fixes the minimum viewer protocol at TLSv1; browsers negotiate ' +
        'TLS 1.2 or 1.3. A custom domain with an ACM certificate (and TLSv1.2_2021) would need a domain name and a certificate in us-east-1, which the stage does not have.',
    };
    for (const [rule, reason] of Object.entries(reasons)) Validations.of(this.distribution).acknowledge({ id: `AwsSolutions-${rule}`, reason });
    const defaultCertificate =
      'the distribution serves its default *.cloudfront.net name with the CloudFront certificate, for which CloudFront fixes the ' +
      'viewer settings; a custom certificate (SNI, TLSv1.2_2021) needs a domain name and an ACM certificate in us-east-1, which ' +
      'the stage does not have. Browsers negotiate TLS 1.2 or 1.3 and viewers are HTTPS-only.';
    const guardReasons: Partial<Record<GuardControl, string>> = {
      'CT.CLOUDFRONT.PR.1':
        "the default behavior's origin is the UI Lambda's function URL, which serves / itself (the runs page); a default root " +
        'object would rewrite / to an object name the Lambda does not serve.',
      'CT.CLOUDFRONT.PR.4':
        'no origin failover: the UI has one origin of each kind (its Lambda in the stage region, its static files bucket) and ' +
        'no replica to fail over to; a second region would double the stage for a results viewer.',
      'CT.CLOUDFRONT.PR.6': defaultCertificate,
      'CT.CLOUDFRONT.PR.7': defaultCertificate,
      'CT.CLOUDFRONT.PR.9': defaultCertificate,
      'CT.LAMBDA.PR.2':
        "the UI Lambda's permissions (below the distribution's origin) are not public: cloudfront.amazonaws.com may invoke it " +
        "only with SourceArn this distribution; the rule reads only literal SourceArn strings, and this one is a Fn::Join of the distribution id.",
    };
    for (const [control, reason] of Object.entries(guardReasons) as [GuardControl, string][]) acknowledgeGuard(this.distribution, control, reason);
    acknowledgeGuard(
      this.staticBucket.bucket,
      'CT.S3.PR.10',
      'SSE-S3, not SSE-KMS: the bucket holds only the public CSS and JavaScript of web/static that every visitor downloads, ' +
        'and a KMS key would have to admit CloudFront (origin access control) and bill a KMS request per cache miss.',
    );
    acknowledgeDeploymentFindings(this, deploymentRole);
  }
}

/**
 * What cdk-nag finds in the `BucketDeployment` (CDK's own custom resource), each acknowledged on
 * the construct that has it: the grants CDK gives its Lambda, and that Lambda's runtime.
 */
function acknowledgeDeploymentFindings(scope: UiDistribution, role: iam.Role): void {
  const stack = Stack.of(scope);
  const staticBucketArn = `<${stack.getLogicalId(scope.staticBucket.bucket.node.defaultChild as CfnElement)}.Arn>`;
  const assetsBucket = `arn:<AWS::Partition>:s3:::${stack.synthesizer.bootstrapQualifier ? `cdk-${stack.synthesizer.bootstrapQualifier}` : 'cdk-hnb659fds'}-assets-${stack.account}-${stack.region}`;
  const policy = role.node.tryFindChild('DefaultPolicy');
  if (policy) {
    const copy =
      'BucketDeployment grants its Lambda what copying the web/static asset needs: read of the CDK assets bucket (the asset zip), and read, write and ' +
      'delete (prune) of the UI assets bucket, whose object keys are the files of web/static; the bucket holds nothing else.';
    for (const id of [
      'AwsSolutions-IAM5[Action::s3:GetObject*]',
      'AwsSolutions-IAM5[Action::s3:GetBucket*]',
      'AwsSolutions-IAM5[Action::s3:List*]',
      'AwsSolutions-IAM5[Action::s3:DeleteObject*]',
      'AwsSolutions-IAM5[Action::s3:Abort*]',
      `AwsSolutions-IAM5[Resource::${staticBucketArn}/*]`,
      `AwsSolutions-IAM5[Resource::${assetsBucket}/*]`,
    ]) {
      Validations.of(policy).acknowledge({ id, reason: copy });
    }
    Validations.of(policy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'cloudfront:CreateInvalidation and cloudfront:GetInvalidation, which BucketDeployment grants on "*" to invalidate /static/* after a deploy; no other action here is on "*".',
    });
  }
  const handler = stack.node.children.find((child) => child.node.id.startsWith('Custom::CDKBucketDeployment'));
  if (handler) {
    acknowledgeGuard(handler, 'CT.LAMBDA.PR.3', `BucketDeployment's Lambda, which copies web/static to S3 at deploy time: ${LAMBDA_OUTSIDE_VPC_REASON}`);
    Validations.of(handler).acknowledge({
      id: 'AwsSolutions-L1',
      reason: "BucketDeployment's Lambda runs the Python runtime and AWS CLI layer the CDK version ships; its runtime is not configurable and it runs only during deploys.",
    });
  }
}
