/**
 * Named errors of `fb report` and the report's loaders, each with a one-line message for the CLI
 * (and the web UI, which answers 404 for an unknown run).
 */

/** A run id (or prefix) the store does not know. */
export class ReportRunNotFoundError extends Error {
  override name = 'ReportRunNotFoundError';
  constructor(readonly runId: string) {
    super(`no run ${runId}; see fb runs`);
  }
}

/** `--experiment` named an experiment with no stored run. */
export class NoRunsOfExperimentError extends Error {
  override name = 'NoRunsOfExperimentError';
  constructor(readonly experiment: string) {
    super(`no stored runs of ${experiment}; see fb runs`);
  }
}

/** The options do not say which runs (or say it twice), or name a format the report cannot write. */
export class ReportOptionsError extends Error {
  override name = 'ReportOptionsError';
}
