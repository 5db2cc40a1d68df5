/**
 * The AWS Control Tower proactive controls (the guard rules bundled with
 * `@cdklabs/cdk-validator-cfnguard`) this project acknowledges somewhere, by control id, and the one
 * way to acknowledge one: on the construct that has the finding, with its reason, like the cdk-nag
 * acknowledgements. CDK matches an acknowledgement to the findings of the construct it is made on
 * and of everything below it, so it is made on the resource (or the L2 construct owning it), never
 * on a stack.
 */
import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** The name the guard validator reports under: the namespace of its acknowledgement ids. */
export const GUARD_PLUGIN_NAME = 'cdk-validator-cfnguard';

/** Control Tower control id → the cfn-guard rule name its findings carry. */
export const GUARD_RULES = {
  'CT.APIGATEWAY.PR.5': 'api_gw_v2_authorization_type_configured_check',
  'CT.CLOUDFRONT.PR.1': 'cloudfront_default_root_object_configured_check',
  'CT.CLOUDFRONT.PR.4': 'cloudfront_origin_failover_enabled_check',
  'CT.CLOUDFRONT.PR.6': 'cloudfront_custom_ssl_certificate_check',
  'CT.CLOUDFRONT.PR.7': 'cloudfront_sni_enabled_check',
  'CT.CLOUDFRONT.PR.9': 'cloudfront_security_policy_check',
  'CT.EC2.PR.11': 'subnet_auto_assign_public_ip_disabled_check',
  'CT.LAMBDA.PR.2': 'lambda_function_public_access_prohibited_check',
  'CT.LAMBDA.PR.3': 'lambda_inside_vpc_check',
  'CT.RDS.PR.2': 'rds_instance_enhanced_monitoring_enabled_check',
  'CT.S3.PR.2': 's3_bucket_logging_enabled_check',
  'CT.S3.PR.4': 's3_event_notifications_enabled_check',
  'CT.S3.PR.9': 's3_bucket_object_lock_enabled_check',
  'CT.S3.PR.10': 's3_bucket_default_encryption_kms_check',
} as const;

/** A Control Tower control this project acknowledges on some resource. */
export type GuardControl = keyof typeof GUARD_RULES;

/** The acknowledgement id of a control's findings: `cdk-validator-cfnguard::<rule name>`. */
export function guardAcknowledgementId(control: GuardControl): string {
  return `${GUARD_PLUGIN_NAME}::${GUARD_RULES[control]}`;
}

/** Acknowledge `control`'s finding on `scope` (the resource that has it) with why it does not apply there. */
export function acknowledgeGuard(scope: IConstruct, control: GuardControl, reason: string): void {
  Validations.of(scope).acknowledge({ id: guardAcknowledgementId(control), reason: `${control}: ${reason}` });
}
