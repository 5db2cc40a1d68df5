/**
 * The CDK app. This is the only place that reads the environment and CDK context: it builds the
 * stage config once (lib/config/stage.ts), creates the stacks with typed props, adds the cdk-nag
 * AwsSolutions checks (v3: a validation plugin, so any unacknowledged finding fails synth) and
 * synthesizes.
 *
 * Stacks so far: the stateful `ResultsStack` (Aurora Serverless v2 + Data API, results bucket).
 * The control-plane stack (state machine, step Lambdas) arrives with its own issue and is granted
 * access through the results stack's public properties. Idle cost of what is deployed so far (see
 * the ResultsStack header): about $1.40 a month (KMS key, RDS-managed secret) plus storage, with the
 * default minimum of 0 ACU; a minimum of 0.5 ACU adds the writer's capacity around the clock.
 *
 * Every stage setting can be overridden with context, e.g.
 * `npx cdk synth -c stageName=prod -c account=111122223333 -c region=eu-central-1 -c auroraMaxAcu=8`.
 * Account and region otherwise come from `CDK_DEFAULT_ACCOUNT` / `CDK_DEFAULT_REGION` (the CLI sets
 * the region to us-east-1 when no AWS config names one) and fall back to placeholders
 * (123456789012 / eu-west-1), so `npx cdk synth` works offline with no credentials and no lookups.
 */
import { App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadStageConfig, STAGE_CONFIG_KEYS, type StageConfigInput } from '../lib/config/stage';
import { ResultsStack, resultsStackProps } from '../lib/stacks/results-stack';

const app = new App();

const fromContext: StageConfigInput = Object.fromEntries(STAGE_CONFIG_KEYS.map((key) => [key, app.node.tryGetContext(key)]));
const config = loadStageConfig({
  ...fromContext,
  account: fromContext.account ?? process.env.CDK_DEFAULT_ACCOUNT,
  region: fromContext.region ?? process.env.CDK_DEFAULT_REGION,
});

Tags.of(app).add('project', 'faas-benchmarker');
Tags.of(app).add('stage', config.stageName);

new ResultsStack(app, `FaasBenchmarker-${config.stageName}-Results`, resultsStackProps(config));

Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
