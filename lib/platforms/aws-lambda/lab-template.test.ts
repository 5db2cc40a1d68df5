import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import type { IPolicyValidationContext } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { LAB_FUNCTION_NAMES } from '../../../lab-functions/names';
import { logicalIdOf } from '../run-resources';
import { LAB_ACTIONS_NOT_GRANTED, LAB_HANDLER_TYPES, labHandlerActions } from './lab-deployer-actions';
import { type CloudFormationTemplate, GUARD_REASONS_KEY, LAB_LOG_RETENTION_DAYS, type LabStackOptions, labStackTemplate } from './lab-template';
import { codeKeysOf } from './provisioner';

const options: LabStackOptions = {
  runId: '1a2b3c4d-0000-4000-8000-000000000000',
  prefix: 'fb-1a2b3c4d-',
  memoryMb: 1024,
  timeoutSeconds: 30,
  codeBucket: 'fb-code',
  codeKeys: codeKeysOf('aws-lambda/'),
  logsKmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-4000-8000-000000000000',
};

/** The Control Tower guard rules' findings on `template`, `<logical id> <rule name>` each (cfn-guard honours `Metadata.guard` suppressions). */
function guardFindings(template: CloudFormationTemplate): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'fb-lab-guard-'));
  try {
    const path = join(dir, 'lab.template.json');
    writeFileSync(path, JSON.stringify(template));
    const report = new CfnGuardValidator({ controlTowerRulesEnabled: true }).validate({ templatePaths: [path] } as unknown as IPolicyValidationContext);
    return report.violations.flatMap((violation) => violation.violatingResources.map((resource) => `${resource.resourceLogicalId} ${violation.ruleName}`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const EXECUTION_LOGGING_RULE = 'api_gw_v1_execution_logging_enabled_check';
const LOG_GROUP_ENCRYPTED_RULE = 'cloudwatch_log_group_encrypted_check';

describe.concurrent('labStackTemplate', () => {
  it.each([
    ['as deployed (log groups encrypted with the stage key)', options],
    ['without a stage key', { ...options, logsKmsKeyArn: undefined }],
  ])('passes the Control Tower guard rules but for findings suppressed, with a reason, on the very resource that has them: %s', (_, stackOptions) => {
    const template = labStackTemplate(stackOptions);
    const found = guardFindings(template);
    const suppressed = Object.entries(template.Resources).flatMap(([id, resource]) => {
      const rules = ((resource.Metadata?.guard as { SuppressedRules?: string[] } | undefined)?.SuppressedRules ?? []).map((rule) => {
        const reason = (resource.Metadata?.[GUARD_REASONS_KEY] as Record<string, string> | undefined)?.[rule];
        expect(reason, `${id} suppresses ${rule} without a reason`).toMatch(/^CT\.[A-Z]+\.PR\.\d+: .{40,}/);
        return `${id} ${rule}`;
      });
      return rules;
    });
    // Every finding is suppressed on its resource, and no suppression outlives its finding.
    expect(found.sort()).toEqual(suppressed.sort());
    expect(found.length).toBeGreaterThan(0);
    // Execution logging (CT.APIGATEWAY.PR.1) is met, not suppressed: a Control Tower hook would refuse the stage otherwise.
    expect(suppressed.filter((entry) => entry.endsWith(EXECUTION_LOGGING_RULE))).toEqual([]);
    // With the stage key, so is log group encryption (CT.CLOUDWATCH.PR.3).
    const encryptionSuppressed = suppressed.filter((entry) => entry.endsWith(LOG_GROUP_ENCRYPTED_RULE));
    expect(encryptionSuppressed).toHaveLength(stackOptions.logsKmsKeyArn ? 0 : LAB_FUNCTION_NAMES.length + 1);
  });

  it('encrypts every log group with the stage key it is given, and CT.CLOUDWATCH.PR.3 flags them without key or suppression', () => {
    const template = labStackTemplate(options);
    const logGroups = Object.entries(template.Resources).filter(([, resource]) => resource.Type === 'AWS::Logs::LogGroup');
    expect(logGroups).toHaveLength(LAB_FUNCTION_NAMES.length + 1);
    for (const [, resource] of logGroups) expect(resource.Properties.KmsKeyId).toBe(options.logsKmsKeyArn);
    for (const [, resource] of logGroups) delete resource.Properties.KmsKeyId;
    expect(guardFindings(template).filter((finding) => finding.endsWith(LOG_GROUP_ENCRYPTED_RULE))).toHaveLength(logGroups.length);
  });

  it("is refused by CT.APIGATEWAY.PR.1's guard rule once the stage's logging level is taken away", () => {
    const template = labStackTemplate(options);
    const stage = template.Resources.Stage as unknown as { Properties: { MethodSettings: Record<string, unknown>[] } };
    for (const setting of stage.Properties.MethodSettings) delete setting.LoggingLevel;
    expect(guardFindings(template)).toContain(`Stage ${EXECUTION_LOGGING_RULE}`);
  });

  it("logs the stage's errors for every method, without request or response bodies, keeping its throttle", () => {
    const template = labStackTemplate({ ...options, throttle: { rateLimit: 50, burstLimit: 100 } });
    expect(template.Resources.Stage?.Properties.MethodSettings).toEqual([
      { ResourcePath: '/*', HttpMethod: '*', LoggingLevel: 'ERROR', DataTraceEnabled: false, ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
    ]);
  });

  it("owns the stage's execution log group, kept a year and deleted with the stack, made before the stage", () => {
    const template = labStackTemplate(options);
    expect(template.Resources.ExecutionLogGroup).toMatchObject({
      Type: 'AWS::Logs::LogGroup',
      DeletionPolicy: 'Delete',
      UpdateReplacePolicy: 'Delete',
      Properties: {
        // The name API Gateway writes to: API-Gateway-Execution-Logs_{rest-api-id}/{stage_name}.
        LogGroupName: { 'Fn::Sub': `API-Gateway-Execution-Logs_\${Api}/prod` },
        RetentionInDays: LAB_LOG_RETENTION_DAYS,
        Tags: [{ Key: 'faas-benchmarker:run', Value: options.runId }],
      },
    });
    expect(template.Resources.Stage?.DependsOn).toContain('ExecutionLogGroup');
    expect(template.Resources.Stage?.Properties.StageName).toBe('prod');
  });

  it("declares each function's log group, kept a year and deleted with the stack, before the function", () => {
    const template = labStackTemplate(options);
    for (const fn of LAB_FUNCTION_NAMES) {
      const id = logicalIdOf(fn);
      expect(template.Resources[`${id}LogGroup`]).toMatchObject({
        Type: 'AWS::Logs::LogGroup',
        DeletionPolicy: 'Delete',
        UpdateReplacePolicy: 'Delete',
        Properties: { LogGroupName: `/aws/lambda/fb-1a2b3c4d-${fn}`, RetentionInDays: LAB_LOG_RETENTION_DAYS },
      });
      expect(template.Resources[id]?.DependsOn).toContain(`${id}LogGroup`);
    }
    expect(LAB_LOG_RETENTION_DAYS).toBeGreaterThanOrEqual(365);
    // The stack owns the groups: the functions' role may write to them, not make them.
    expect(JSON.stringify(template.Resources.ExecutionRole)).not.toContain('logs:CreateLogGroup');
  });

  it('traces the stage with X-Ray', () => {
    expect(labStackTemplate(options).Resources.Stage?.Properties.TracingEnabled).toBe(true);
  });

  it('has handler permissions recorded for exactly the resource types it declares, with or without its own role', () => {
    const typesOf = (extra: Partial<LabStackOptions>) => new Set(Object.values(labStackTemplate({ ...options, ...extra }).Resources).map((resource) => resource.Type));
    expect([...typesOf({})].sort()).toEqual([...LAB_HANDLER_TYPES].sort());
    for (const type of typesOf({ roleArn: 'arn:aws:iam::123456789012:role/existing' })) expect(LAB_HANDLER_TYPES).toContain(type);
  });

  it('leaves out of the role only actions the recorded handlers list, each with its reason', () => {
    const listed = labHandlerActions();
    for (const [action, reason] of Object.entries(LAB_ACTIONS_NOT_GRANTED)) {
      expect(listed).toContain(action);
      expect(reason).toMatch(/^AWS::\w+::\w+: only for /);
    }
    // What the issue found missing is listed (and so granted).
    for (const action of ['iam:ListAttachedRolePolicies', 'iam:ListRolePolicies', 'iam:DetachRolePolicy', 'lambda:GetFunctionCodeSigningConfig', 'lambda:GetRuntimeManagementConfig']) {
      expect(listed).toContain(action);
      expect(LAB_ACTIONS_NOT_GRANTED).not.toHaveProperty(action);
    }
  });
});
