/**
 * The CDK app. This is the only place that reads the environment and CDK context: it builds the
 * stage config once (lib/config/stage.ts), creates the stacks with typed props, adds the two
 * policy gates (lib/stacks/policy-gates.ts: cdk-nag's AwsSolutions checks and AWS Control Tower's
 * proactive guard rules, validation plugins, so any unacknowledged finding fails synth with a
 * per-resource report) and synthesizes.
 *
 * Stacks: the stateful `ResultsStack` (Aurora Serverless v2 + Data API, results bucket), then the
 * stateless `ControlPlaneStack` (RunExperiment state machine, step Lambdas, callback API, schema
 * migrations, the schedules of `-c schedules=…` or schedules.json) and the stateless `UiStack` (Cognito, the
 * web UI's Lambda behind CloudFront), both granted access through the results stack's public
 * properties. Idle cost (see both stack headers): about $1.40 a month (KMS key,
 * RDS-managed secret) plus storage and logs, with the default minimum of 0 ACU; a minimum of
 * 0.5 ACU adds the writer's capacity around the clock. Everything in the control plane bills per use.
 *
 * `cdk synth` bundles the control-plane Lambdas with the local esbuild (no Docker).
 *
 * Schedules come from context `schedules` (an inline JSON array or a file path) or else
 * `schedules.json` at the project root (lib/config/schedules-source.ts), checked against the
 * platforms the stage runs; a bad entry fails synth with a `ScheduleConfigError` naming it, before
 * anything is built.
 *
 * Every stage setting can be overridden with context, e.g.
 * `npx cdk synth -c stageName=prod -c account=111122223333 -c region=eu-central-1 -c auroraMaxAcu=8`.
 * Account and region otherwise come from `CDK_DEFAULT_ACCOUNT` / `CDK_DEFAULT_REGION` (the CLI sets
 * the region to us-east-1 when no AWS config names one) and fall back to placeholders
 * (123456789012 / eu-west-1), so `npx cdk synth` works offline with no credentials and no lookups.
 */
import { App, Tags } from 'aws-cdk-lib';
import { buildAgentBundle } from '../client-agent/build';
import { buildFunctions } from '../lab-functions/build';
import { syncExperimentCatalog } from '../lib/experiment/catalog-file';
import { stageStackNames } from '../lib/config/stack-names';
import { loadStageConfig, STAGE_CONFIG_KEYS, type StageConfig, type StageConfigInput } from '../lib/config/stage';
import { stagePlatforms } from '../lib/config/stage-platforms';
import type { ScheduleConfig } from '../lib/config/schedules';
import { PROJECT_ROOT } from '../lib/constructs/control-plane-function';
import { ControlPlaneStack, controlPlaneStackProps } from '../lib/stacks/control-plane-stack';
import { addPolicyGates } from '../lib/stacks/policy-gates';
import { ResultsStack, resultsStackProps } from '../lib/stacks/results-stack';
import { UiStack, uiStackProps } from '../lib/stacks/ui-stack';

/** The app and its validated settings: read before any bundle is built, so a bad setting fails at once. */
function configure(): { app: App; config: StageConfig; schedules: ScheduleConfig[] } {
  const app = new App();

  const fromContext: StageConfigInput = Object.fromEntries(STAGE_CONFIG_KEYS.map((key) => [key, app.node.tryGetContext(key)]));
  const config = loadStageConfig({
    ...fromContext,
    account: fromContext.account ?? process.env.CDK_DEFAULT_ACCOUNT,
    region: fromContext.region ?? process.env.CDK_DEFAULT_REGION,
  });
  // require, after syncExperimentCatalog: the check of each schedule's experiment loads the catalog.
  const { loadStageSchedules } = require('../lib/config/schedules-source') as typeof import('../lib/config/schedules-source');
  const schedules = loadStageSchedules({ context: app.node.tryGetContext('schedules'), projectRoot: PROJECT_ROOT, stagePlatforms: stagePlatforms(config) });
  return { app, config, schedules };
}

function synthesize({ app, config, schedules }: { app: App; config: StageConfig; schedules: ScheduleConfig[] }): void {
  Tags.of(app).add('project', 'faas-benchmarker');
  Tags.of(app).add('stage', config.stageName);

  const stacks = stageStackNames(config.stageName);
  const results = new ResultsStack(app, stacks.results, resultsStackProps(config));
  new ControlPlaneStack(app, stacks.controlPlane, controlPlaneStackProps(config, results, schedules));
  new UiStack(app, stacks.ui, uiStackProps(config, results));

  addPolicyGates(app);
  app.synth();
}

function fail(error: unknown): never {
  console.error(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
  process.exit(1);
}

// The step Lambdas and the agent bundle carry the experiments through the catalog: bring it up to
// date with experiments/ first. Then the settings and schedules are checked, and the lab packages
// and the agent bundle (assets of the control plane) built before synthesizing.
syncExperimentCatalog();
let configured: ReturnType<typeof configure>;
try {
  configured = configure();
} catch (error) {
  fail(error);
}
Promise.all([buildFunctions(), buildAgentBundle()])
  .then(() => synthesize(configured))
  .catch(fail);
