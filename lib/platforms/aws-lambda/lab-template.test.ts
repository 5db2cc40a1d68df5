import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import type { IPolicyValidationContext } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { LAB_FUNCTION_NAMES } from '../../../lab-functions/names';
import { logicalIdOf } from '../run-resources';
import { LAB_ACTIONS_NOT_GRANTED, LAB_HANDLER_TYPES, labHandlerActions } from './lab-deployer-actions';
import { GUARD_REASONS_KEY, LAB_LOG_RETENTION_DAYS, type LabStackOptions, labStackTemplate } from './lab-template';
import { codeKeysOf } from './provisioner';

const options: LabStackOptions = {
  runId: '1a2b3c4d-0000-4000-8000-000000000000',
  prefix: 'fb-1a2b3c4d-',
  memoryMb: 1024,
  timeoutSeconds: 30,
  codeBucket: 'fb-code',
  codeKeys: codeKeysOf('aws-lambda/'),
};

describe.concurrent('labStackTemplate', () => {
  it('passes the Control Tower guard rules but for findings suppressed, with a reason, on the very resource that has them', () => {
    const template = labStackTemplate(options);
    const dir = mkdtempSync(join(tmpdir(), 'fb-lab-guard-'));
    try {
      const path = join(dir, 'lab.template.json');
      writeFileSync(path, JSON.stringify(template));
      const report = new CfnGuardValidator({ controlTowerRulesEnabled: true }).validate({ templatePaths: [path] } as unknown as IPolicyValidationContext);
      const found = report.violations.flatMap((violation) => violation.violatingResources.map((resource) => `${resource.resourceLogicalId} ${violation.ruleName}`));
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
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
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
