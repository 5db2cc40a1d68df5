/**
 * Which HTTP status a failure becomes, in one place for pages and API: a bad filter or an
 * ambiguous run-id prefix is the caller's mistake (400), a run that does not exist is 404, a store
 * that cannot be reached is 503, anything else 500. Errors are matched by name, because errors
 * that crossed the CLI's store host arrive as plain Errors carrying their original name.
 */
export class RunPageNotFoundError extends Error {
  override name = 'RunPageNotFoundError';
}

const STATUS_BY_NAME: Record<string, 400 | 404 | 503> = {
  InvalidRunFiltersError: 400,
  AmbiguousRunPrefixError: 400,
  RunPageNotFoundError: 404,
  RunNotFoundError: 404,
  ResultsStoreUnavailableError: 503,
  StoreHostUnavailableError: 503,
};

export function httpStatusOf(error: unknown): 400 | 404 | 500 | 503 {
  return (error instanceof Error && STATUS_BY_NAME[error.name]) || 500;
}

/** What the answer may say about the failure: the message for the caller's mistakes, a generic line otherwise. */
export function publicMessageOf(error: unknown): string {
  const status = httpStatusOf(error);
  if (status === 500) return 'internal error: see the UI server\'s log';
  if (status === 503) return 'the results store cannot be reached right now; try again shortly';
  return error instanceof Error ? error.message : String(error);
}
