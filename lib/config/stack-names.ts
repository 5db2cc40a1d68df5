/**
 * The CloudFormation stack names of a stage, in one place: bin/app.ts creates the stacks under
 * these names, and the CLI finds a deployed stage's results database by them
 * (`fb runs --stage <name>` reads the outputs of the results stack).
 */

/** The stacks of one stage. */
export interface StageStackNames {
  /** Aurora, the results bucket, the KMS key: stateful, retained. */
  readonly results: string;
  /** The state machine, step Lambdas, callback endpoint, schedules. */
  readonly controlPlane: string;
  /** The web UI: Cognito, the UI Lambda, CloudFront, the static assets. */
  readonly ui: string;
}

export function stageStackNames(stageName: string): StageStackNames {
  return {
    results: `FaasBenchmarker-${stageName}-Results`,
    controlPlane: `FaasBenchmarker-${stageName}-ControlPlane`,
    ui: `FaasBenchmarker-${stageName}-Ui`,
  };
}
