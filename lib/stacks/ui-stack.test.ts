/**
 * Tests of the UiStack, on one app (results stack + UI stack) synthesized once with bundling
 * skipped: Cognito's settings (admin-created users only, MFA, password policy, Plus plan with
 * threat protection, the code-flow client whose URLs a custom resource sets), the UI Lambda's
 * exact environment and its Data API grant scoped to the cluster and secret, the function URL
 * (AWS_IAM, RESPONSE_STREAM) callable by this distribution only, CloudFront with origin access
 * control for both origins, the viewer-request function (run here on sample events), and
 * cdk-nag AwsSolutions clean with every acknowledgement specific and reasoned.
 */
import { App, type CfnElement, CfnResource } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { addPolicyGates } from './policy-gates';
import { beforeAll, describe, expect, it } from 'vitest';
import { acknowledgements, synthWithNag } from '../../test-support/cdk-nag';
import { loadStageConfig } from '../config/stage';
import { stageStackNames } from '../config/stack-names';
import { CLIENT_SETTINGS } from '../constructs/ui-auth';
import { FORWARD_HOST_CODE } from '../constructs/ui-distribution';
import { ResultsStack, resultsStackProps } from './results-stack';
import { UiStack, uiStackProps } from './ui-stack';

const CONFIG = loadStageConfig({ account: '123456789012', region: 'eu-west-1', stageName: 'test' });
const NAMES = stageStackNames('test');
const app = new App({ context: { 'aws:cdk:bundling-stacks': [] }, builtinCloudFormationValidation: false });
const results = new ResultsStack(app, NAMES.results, resultsStackProps(CONFIG));
const stack = new UiStack(app, NAMES.ui, uiStackProps(CONFIG, results));
addPolicyGates(app);

let template: Template;
let synthFailure: string | undefined;
beforeAll(() => {
  ({ template, failure: synthFailure } = synthWithNag(app, stack));
});

/** The logical id of an L1 resource, or of an L2 construct's resource. */
const logicalId = (construct: IConstruct) => stack.getLogicalId((CfnResource.isCfnResource(construct) ? construct : construct.node.defaultChild) as CfnElement);
const only = <T>(resources: Record<string, T>): T => {
  const values = Object.values(resources);
  expect(values).toHaveLength(1);
  return values[0] as T;
};
type Resource = { Properties: Record<string, unknown>; DeletionPolicy?: string };
interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}
const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

describe('Stack: UiStack — Cognito', () => {
  it('has a user pool for admin-created users only, with a strong password policy, MFA by app, and the Plus plan with threat protection enforced', () => {
    const pool = only(template.findResources('AWS::Cognito::UserPool')) as Resource;
    expect(pool.Properties).toMatchObject({
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      MfaConfiguration: 'ON',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      Policies: { PasswordPolicy: { MinimumLength: 14, RequireLowercase: true, RequireUppercase: true, RequireNumbers: true, RequireSymbols: true, PasswordHistorySize: 5 } },
      UserPoolTier: 'PLUS',
      UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
      DeletionProtection: 'ACTIVE',
      UsernameAttributes: ['email'],
    });
    // The accounts outlive the stack.
    expect(pool.DeletionPolicy).toBe('Retain');
  });

  it('has a managed-login domain with a branding, whose prefix does not show the account id', () => {
    const domain = only(template.findResources('AWS::Cognito::UserPoolDomain')) as Resource;
    expect(domain.Properties).toMatchObject({ ManagedLoginVersion: 2, Domain: expect.stringMatching(/^faas-benchmarker-test-[0-9a-f]{8}$/) });
    expect(JSON.stringify(domain.Properties)).not.toContain('123456789012');
    template.hasResourceProperties('AWS::Cognito::ManagedLoginBranding', { UseCognitoProvidedValues: true, ClientId: { Ref: logicalId(stack.auth.client) } });
  });

  it("creates the app client without a secret, and gives it the code flow and the distribution's URLs once the distribution exists", () => {
    const client = only(template.findResources('AWS::Cognito::UserPoolClient')) as Resource;
    expect(client.Properties).toMatchObject({ GenerateSecret: false, ExplicitAuthFlows: [...CLIENT_SETTINGS.ExplicitAuthFlows], PreventUserExistenceErrors: 'ENABLED' });
    // No OAuth settings in the resource itself (they would need the distribution's domain: a cycle).
    expect(client.Properties.CallbackURLs).toBeUndefined();

    const urls = only(template.findResources('Custom::UiClientUrls')) as Resource;
    const distribution = logicalId(stack.site.distribution);
    for (const phase of ['Create', 'Update']) {
      const text = JSON.stringify(urls.Properties[phase]);
      expect(text).toContain('updateUserPoolClient');
      expect(text).toContain('\\"AllowedOAuthFlows\\":[\\"code\\"]');
      expect(text).toContain('\\"AllowedOAuthScopes\\":[\\"openid\\",\\"email\\",\\"profile\\"]');
      expect(text).toContain(`\\"CallbackURLs\\":[\\"https://",{"Fn::GetAtt":["${distribution}","DomainName"]},"/auth/callback\\"]`);
      expect(text).toContain(`\\"LogoutURLs\\":[\\"https://",{"Fn::GetAtt":["${distribution}","DomainName"]},"/\\"]`);
      // The whole configuration goes with the URLs (UpdateUserPoolClient resets what it is not sent).
      expect(text).toContain('\\"RefreshTokenValidity\\":720');
    }
    // Its role may make that one call, on this pool only.
    const role = stack.auth.node.findChild('ClientUrlsRole');
    const policy = template.findResources('AWS::IAM::Policy')[stack.getLogicalId(role.node.findChild('DefaultPolicy').node.defaultChild as CfnElement)] as Resource;
    const statements = (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement;
    expect(statements.filter((statement) => asArray(statement.Action).some((action) => action.startsWith('cognito-idp:')))).toEqual([
      { Effect: 'Allow', Action: 'cognito-idp:UpdateUserPoolClient', Resource: { 'Fn::GetAtt': [logicalId(stack.auth.userPool), 'Arn'] } },
    ]);
  });
});

describe('Stack: UiStack — the UI Lambda', () => {
  const functionId = () => logicalId(stack.ui.function.function);

  it('reads exactly the environment the web app expects, from the results stack, the pool, the client and the login domain', () => {
    const fn = template.findResources('AWS::Lambda::Function')[functionId()] as Resource;
    const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(Object.keys(variables).sort()).toEqual(['NODE_OPTIONS', 'RESULTS_CLUSTER_ARN', 'RESULTS_DATABASE', 'RESULTS_SECRET_ARN', 'UI_CLIENT_ID', 'UI_LOGIN_DOMAIN', 'UI_USER_POOL_ID']);
    expect(variables.RESULTS_DATABASE).toBe(results.databaseName);
    expect(JSON.stringify(variables.RESULTS_CLUSTER_ARN)).toMatch(/Fn::ImportValue.*Results:ExportsOutputRefDatabaseCluster/);
    expect(JSON.stringify(variables.RESULTS_SECRET_ARN)).toMatch(/Fn::ImportValue.*Results:ExportsOutput.*Secret/);
    expect(variables.UI_USER_POOL_ID).toEqual({ Ref: logicalId(stack.auth.userPool) });
    expect(variables.UI_CLIENT_ID).toEqual({ Ref: logicalId(stack.auth.client) });
    expect(JSON.stringify(variables.UI_LOGIN_DOMAIN)).toMatch(/^\{"Fn::Join":\["",\["https:\/\/",\{"Ref":"AuthUserPoolLoginDomain\w+"\},"\.auth\.eu-west-1\.amazoncognito\.com"\]\]\}$/);
    expect(fn.Properties).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], MemorySize: 512, Timeout: 300, TracingConfig: { Mode: 'Active' } });
  });

  it('may use the Data API on the results cluster and read its secret, and nothing else but logs and X-Ray', () => {
    const role = stack.ui.function.role;
    const policy = template.findResources('AWS::IAM::Policy')[stack.getLogicalId(role.node.findChild('DefaultPolicy').node.defaultChild as CfnElement)] as Resource;
    const statements = (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement;
    const dataApi = statements.filter((statement) => asArray(statement.Action).some((action) => action.startsWith('rds-data:')));
    expect(dataApi).toHaveLength(1);
    expect(JSON.stringify(dataApi[0]?.Resource)).toMatch(/^\{"Fn::Join":\[.*Results:ExportsOutputRefDatabaseCluster\w+.*\]\}$/);
    const secret = statements.filter((statement) => asArray(statement.Action).some((action) => action.startsWith('secretsmanager:')));
    expect(secret.map((statement) => [...asArray(statement.Action)].sort())).toEqual([['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue']]);
    expect(JSON.stringify(secret[0]?.Resource)).toMatch(/Fn::ImportValue.*Secret/);
    const prefixes = new Set(statements.flatMap((statement) => asArray(statement.Action).map((action) => action.split(':')[0])));
    expect([...prefixes].sort()).toEqual(['logs', 'rds-data', 'secretsmanager', 'xray']);
    for (const statement of statements.filter((s) => s.Resource === '*')) expect(asArray(statement.Action).every((action) => action.startsWith('xray:'))).toBe(true);
  });

  it('has a function URL with IAM auth and response streaming, invocable by this distribution only', () => {
    const url = only(template.findResources('AWS::Lambda::Url')) as Resource;
    expect(url.Properties).toMatchObject({ AuthType: 'AWS_IAM', InvokeMode: 'RESPONSE_STREAM', TargetFunctionArn: { 'Fn::GetAtt': [functionId(), 'Arn'] } });
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission')) as Resource[];
    const onUi = permissions.filter((permission) => JSON.stringify(permission.Properties.FunctionName).includes(logicalId(stack.ui.url)));
    expect(onUi.map((permission) => permission.Properties.Action).sort()).toEqual(['lambda:InvokeFunction', 'lambda:InvokeFunctionUrl']);
    for (const permission of onUi) {
      expect(permission.Properties.Principal).toBe('cloudfront.amazonaws.com');
      expect(JSON.stringify(permission.Properties.SourceArn)).toContain(`":distribution/",{"Ref":"${logicalId(stack.site.distribution)}"}`);
    }
  });
});

describe('Stack: UiStack — CloudFront', () => {
  const config = () => (only(template.findResources('AWS::CloudFront::Distribution')) as Resource).Properties.DistributionConfig as Record<string, unknown>;

  it('reaches both origins through origin access control: the function URL (lambda) and the assets bucket (s3)', () => {
    type Control = { id: string; OriginAccessControlOriginType: string; SigningBehavior: string; SigningProtocol: string };
    const controls: Control[] = Object.entries(template.findResources('AWS::CloudFront::OriginAccessControl')).map(([id, resource]) => ({
      id,
      ...((resource as Resource).Properties.OriginAccessControlConfig as Omit<Control, 'id'>),
    }));
    const kinds = controls.map(({ OriginAccessControlOriginType, SigningBehavior, SigningProtocol }) => ({ OriginAccessControlOriginType, SigningBehavior, SigningProtocol }));
    expect(kinds.sort((a, b) => a.OriginAccessControlOriginType.localeCompare(b.OriginAccessControlOriginType))).toEqual([
      { OriginAccessControlOriginType: 'lambda', SigningBehavior: 'always', SigningProtocol: 'sigv4' },
      { OriginAccessControlOriginType: 's3', SigningBehavior: 'always', SigningProtocol: 'sigv4' },
    ]);
    const origins = config().Origins as Record<string, unknown>[];
    expect(origins).toHaveLength(2);
    for (const origin of origins) expect(controls.map((control) => control.id)).toContain((origin.OriginAccessControlId as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]);
    const lambdaOrigin = origins.find((origin) => JSON.stringify(origin.DomainName).includes('FunctionUrl'));
    expect(lambdaOrigin?.CustomOriginConfig).toMatchObject({ OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'] });
    const s3Origin = origins.find((origin) => origin !== lambdaOrigin);
    expect(s3Origin?.DomainName).toEqual({ 'Fn::GetAtt': [logicalId(stack.site.staticBucket.bucket), 'RegionalDomainName'] });
    // The bucket lets this distribution read it, and nobody else in.
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logicalId(stack.site.staticBucket.bucket) },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 's3:GetObject', Principal: { Service: 'cloudfront.amazonaws.com' }, Condition: { StringEquals: { 'AWS:SourceArn': Match.anyValue() } } }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      LoggingConfiguration: { LogFilePrefix: 's3-access/ui-static/' },
    });
  });

  it('sends everything but /static/* to the Lambda uncached, with every viewer header but Host, GET/HEAD/OPTIONS, HTTPS only', () => {
    const behaviour = config().DefaultCacheBehavior as Record<string, unknown>;
    expect(behaviour).toMatchObject({
      ViewerProtocolPolicy: 'https-only',
      AllowedMethods: ['GET', 'HEAD', 'OPTIONS'],
      // The managed policies CachingDisabled and AllViewerExceptHostHeader.
      CachePolicyId: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad',
      OriginRequestPolicyId: 'b689b0a8-53d0-40ab-baf2-68738e2966ac',
      FunctionAssociations: [{ EventType: 'viewer-request', FunctionARN: { 'Fn::GetAtt': [expect.stringMatching(/^SiteForwardHost/), 'FunctionARN'] } }],
    });
    const statics = config().CacheBehaviors as Record<string, unknown>[];
    expect(statics).toEqual([expect.objectContaining({ PathPattern: '/static/*', ViewerProtocolPolicy: 'https-only', AllowedMethods: ['GET', 'HEAD'], CachePolicyId: '658327ea-f89d-4fab-a63d-7e88639e58f6' })]);
    expect(config().Logging).toMatchObject({ Prefix: 'cloudfront/ui/', IncludeCookies: false });
    template.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: {
        SecurityHeadersConfig: {
          StrictTransportSecurity: { AccessControlMaxAgeSec: 63_072_000, IncludeSubdomains: true, Override: true },
          ContentTypeOptions: { Override: true },
          FrameOptions: { FrameOption: 'DENY', Override: true },
        },
      },
    });
    template.hasResourceProperties('Custom::CDKBucketDeployment', { DestinationBucketKeyPrefix: 'static/', Prune: true, DistributionPaths: ['/static/*'] });
  });

  it("copies the viewer's Host into x-forwarded-host and replaces one the viewer sent", () => {
    const code = (only(template.findResources('AWS::CloudFront::Function')) as Resource).Properties.FunctionCode as string;
    expect(code).toBe(FORWARD_HOST_CODE);
    const handler = new Function(`${code}; return handler;`)() as (event: unknown) => { headers: Record<string, { value: string }> };
    expect(handler({ request: { headers: { host: { value: 'd111.cloudfront.net' }, 'x-forwarded-host': { value: 'evil.example' } } } }).headers).toEqual({
      host: { value: 'd111.cloudfront.net' },
      'x-forwarded-host': { value: 'd111.cloudfront.net' },
    });
    expect(handler({ request: { headers: { 'x-forwarded-host': { value: 'evil.example' } } } }).headers).toEqual({});
  });

  it('outputs the UI URL, the user pool and how to add a user', () => {
    const outputs = template.findOutputs('*');
    expect(outputs.UiUrl?.Value).toEqual({ 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [logicalId(stack.site.distribution), 'DomainName'] }]] });
    expect(outputs.UserPoolId?.Value).toEqual({ Ref: logicalId(stack.auth.userPool) });
    expect(outputs.UserPoolId?.Description).toContain('aws cognito-idp admin-create-user --user-pool-id');
  });
});

describe('cdk-nag AwsSolutions on the UI stack', () => {
  it('synthesizes with no unacknowledged finding, and the results stack stays stateful-only', () => {
    expect(synthFailure, `cdk-nag findings:\n${synthFailure}`).toBeUndefined();
    const resultsTypes = Object.values(Template.fromStack(results).toJSON().Resources as Record<string, { Type: string }>).map((resource) => resource.Type);
    expect(resultsTypes.filter((type) => /^AWS::(Cognito|CloudFront)::/.test(type))).toEqual([]);
  });

  it('acknowledges only specific findings, on the construct that has them, each with a reason', () => {
    const nag = acknowledgements(stack).filter((ack) => ack.id.startsWith('AwsSolutions-'));
    for (const ack of nag) {
      expect(ack.isStackOrApp, `${ack.id} acknowledged on ${ack.path}`).toBe(false);
      expect(ack.reason.length, `reason of ${ack.id} on ${ack.path}`).toBeGreaterThan(40);
      if (/^AwsSolutions-IAM[45]/.test(ack.id)) expect(ack.id, 'IAM4/IAM5 acknowledged per finding').toMatch(/\[.+\]$/);
    }
    const ids = nag.map((ack) => `${ack.path.replace(`${NAMES.ui}/`, '')} ${ack.id}`);
    expect(ids).toEqual(
      expect.arrayContaining([
        'Site/Distribution AwsSolutions-CFR1',
        'Site/Distribution AwsSolutions-CFR2',
        'Site/Distribution AwsSolutions-CFR4',
        'Ui/Function/Role/DefaultPolicy AwsSolutions-IAM5[Resource::*]',
      ]),
    );
    // Nothing about Cognito, logging or the origins' TLS is acknowledged: those rules pass.
    expect(ids.filter((id) => /COG|CFR3|CFR5|CFR7|S1\b|S10/.test(id))).toEqual([]);
  });
});
