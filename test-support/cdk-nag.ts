import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type App, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';

/** One `Validations.of(x).acknowledge` made in a construct tree, and where. */
export interface Acknowledgement {
  path: string;
  isStackOrApp: boolean;
  id: string;
  reason: string;
}

/** Every acknowledgement recorded with `Validations.of(x).acknowledge` in the tree, with where it was made. */
export function acknowledgements(root: IConstruct): Acknowledgement[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          path: construct.node.path,
          isStackOrApp: Stack.isStack(construct) || construct === root,
          id: id.replace(/^annotation::/i, ''),
          reason,
        })),
      ),
  );
}

/** The findings of a failed synth, one line each, from the validation report CDK writes next to the assembly. */
export function findingsReport(outdir: string, error: unknown): string {
  const reportFile = join(outdir, 'validation-report.json');
  if (!existsSync(reportFile)) return String(error);
  const report = JSON.parse(readFileSync(reportFile, 'utf8')) as {
    pluginReports: {
      violations: {
        ruleName: string;
        description: string;
        violatingResources?: { resourceLogicalId?: string }[];
        violatingConstructs?: { constructPath?: string }[];
      }[];
    }[];
  };
  return report.pluginReports
    .flatMap((plugin) => plugin.violations)
    .map((v) => {
      const where = [...(v.violatingConstructs ?? []).map((c) => c.constructPath), ...(v.violatingResources ?? []).map((r) => r.resourceLogicalId)];
      return `${v.ruleName} at ${[...new Set(where)].join(', ')}: ${v.description}`;
    })
    .join('\n');
}

/**
 * Synthesize an app that has cdk-nag as a validation plugin: the stack's template (written before
 * the plugins run, so it is there even when nag fails) and, when synth failed, the findings.
 */
export function synthWithNag(app: App, stack: Stack): { template: Template; failure: string | undefined } {
  let failure: string | undefined;
  try {
    app.synth();
  } catch (error) {
    failure = findingsReport(app.outdir, error);
  }
  return { template: Template.fromJSON(JSON.parse(readFileSync(join(app.outdir, stack.templateFile), 'utf8'))), failure };
}
