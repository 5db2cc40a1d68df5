/**
 * The two policy gates every synth of the stacks runs, as CDK validation plugins (they run on the
 * synthesized templates; any unacknowledged finding fails synth and prints a per-resource report):
 * cdk-nag's AwsSolutions checks, and AWS Control Tower's proactive controls (the cfn-guard rules
 * bundled with `@cdklabs/cdk-validator-cfnguard`). Findings that do not apply are acknowledged on
 * their resource (`Validations.of(x).acknowledge`; lib/constructs/guard-rules.ts for the guard).
 */
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { type App, type IPolicyValidationContext, type IPolicyValidationPlugin, type PolicyValidationPluginReport, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { GUARD_PLUGIN_NAME } from '../constructs/guard-rules';

/** Add both gates to `app`: call once, before `app.synth()`. */
export function addPolicyGates(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ControlTowerGuard());
}

/**
 * Every Control Tower proactive control (none is disabled app-wide: a finding is acknowledged on its
 * resource). Wraps `CfnGuardValidator` to mark each finding an error: the validator sets no
 * severity, and once an acknowledgement removes some of its findings CDK re-decides the report's
 * outcome from the severities left, so the remaining findings would no longer fail synth.
 */
export class ControlTowerGuard implements IPolicyValidationPlugin {
  /** The validator's own name: acknowledgement ids are `cdk-validator-cfnguard::<rule>`. */
  readonly name = GUARD_PLUGIN_NAME;
  private readonly validator = new CfnGuardValidator({ controlTowerRulesEnabled: true, maxBuffer: 64 * 1024 * 1024 });

  /** The version of the bundled validator. */
  get version(): string | undefined {
    return this.validator.version;
  }

  /** The Control Tower control ids the validator evaluates. */
  get ruleIds(): string[] | undefined {
    return this.validator.ruleIds;
  }

  /** Run cfn-guard on the templates; every finding is an error. */
  validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const report = this.validator.validate(context);
    return { ...report, violations: report.violations.map((violation) => ({ ...violation, severity: 'error' })) };
  }
}
