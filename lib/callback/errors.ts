/**
 * Named errors of the agent callback path (agent → control plane → Step Functions).
 *
 * Every refusal the callback endpoint answers with is one class here, and each class carries the
 * HTTP status it is answered with, so the local server and the Lambda map errors the same way and
 * the agent can tell "retry later" (5xx) from "stop, this will never work" (4xx). Messages never
 * contain the callback secret or the Step Functions task token: they are logged and sent back.
 */

/** Base class: a callback refused or failed on purpose. `statusCode` is the HTTP answer. */
export class CallbackError extends Error {
  override name = 'CallbackError';
  readonly statusCode: number = 500;
}

/** The body is not JSON, does not match the schema, or carries no secret (400). */
export class CallbackRequestInvalidError extends CallbackError {
  override name = 'CallbackRequestInvalidError';
  override readonly statusCode = 400;
}

/** The request body is larger than the endpoint accepts (413, local server only). */
export class CallbackBodyTooLargeError extends CallbackError {
  override name = 'CallbackBodyTooLargeError';
  override readonly statusCode = 413;
  constructor(readonly limitBytes: number) {
    super(`request body larger than ${limitBytes} bytes`);
  }
}

/** No callback is registered for this run id (404). */
export class CallbackRunUnknownError extends CallbackError {
  override name = 'CallbackRunUnknownError';
  override readonly statusCode = 404;
  constructor(readonly runId: string) {
    super(`no callback is registered for run ${JSON.stringify(runId)}`);
  }
}

/** The secret does not match the run's (401). */
export class CallbackSecretMismatchError extends CallbackError {
  override name = 'CallbackSecretMismatchError';
  override readonly statusCode = 401;
  constructor(readonly runId: string) {
    super(`wrong callback secret for run ${JSON.stringify(runId)}`);
  }
}

/** The run's callback expired (its Task's timeout passed) (410). */
export class CallbackExpiredError extends CallbackError {
  override name = 'CallbackExpiredError';
  override readonly statusCode = 410;
  constructor(
    readonly runId: string,
    readonly expiresAt: Date,
  ) {
    super(`the callback of run ${JSON.stringify(runId)} expired at ${expiresAt.toISOString()}`);
  }
}

/** A success or failure was already accepted for this run; success/failure are single-use (409). */
export class CallbackAlreadyCompletedError extends CallbackError {
  override name = 'CallbackAlreadyCompletedError';
  override readonly statusCode = 409;
  constructor(readonly runId: string) {
    super(`run ${JSON.stringify(runId)} has already reported its outcome`);
  }
}

/**
 * Step Functions no longer waits for the task (410): it answered `TaskTimedOut`,
 * `TaskDoesNotExist` or `InvalidToken` (the local broker answers `TaskTimedOut` alike).
 */
export class TaskNoLongerWaitingError extends CallbackError {
  override name = 'TaskNoLongerWaitingError';
  override readonly statusCode = 410;
  constructor(
    /** Step Functions' error name, e.g. `TaskTimedOut`. */
    readonly taskError: string,
    options?: ErrorOptions,
  ) {
    super(`the run's task is no longer waiting (${taskError})`, options);
  }
}

/** Too many requests for this run's secret, or for the endpoint as a whole (429); try again after `retryAfterSeconds`. */
export class CallbackThrottledError extends CallbackError {
  override name = 'CallbackThrottledError';
  override readonly statusCode = 429;
  constructor(
    readonly scope: 'secret' | 'overall',
    readonly retryAfterSeconds: number,
  ) {
    super(`too many callback requests ${scope === 'secret' ? 'for this run' : 'at once'}; try again in ${retryAfterSeconds} s`);
  }
}

/** The success output, as JSON, is larger than Step Functions accepts (413). Nothing was sent. */
export class TaskOutputTooLargeError extends CallbackError {
  override name = 'TaskOutputTooLargeError';
  override readonly statusCode = 413;
  constructor(
    readonly sizeBytes: number,
    readonly limitBytes: number,
  ) {
    super(`task output is ${sizeBytes} bytes of JSON; Step Functions accepts at most ${limitBytes}`);
  }
}

/**
 * Step Functions (or the local broker) could not be reached or failed without saying the task is
 * gone (502). The outcome was not recorded as delivered, so the agent may retry.
 */
export class TaskCompleterUnavailableError extends CallbackError {
  override name = 'TaskCompleterUnavailableError';
  override readonly statusCode = 502;
  constructor(
    /** The underlying error's name (e.g. `ThrottlingException`). */
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`could not deliver the callback to Step Functions (${reason}); retry later`, options);
  }
}

/** The platform did not retire the function's instances when asked to (502): the agent may try again. */
export class ColdStartNotForcedError extends CallbackError {
  override name = 'ColdStartNotForcedError';
  override readonly statusCode = 502;
}

/** The callback registry cannot be used (503): not configured, or its store is down. */
export class CallbackRegistryUnavailableError extends CallbackError {
  override name = 'CallbackRegistryUnavailableError';
  override readonly statusCode = 503;
}

/** The callback signing key could not be read or is too short (503: no secret can be checked or issued now). */
export class CallbackSigningKeyUnavailableError extends CallbackError {
  override name = 'CallbackSigningKeyUnavailableError';
  override readonly statusCode = 503;
}

/** A required environment variable of the callback Lambda is missing (thrown at module load). */
export class CallbackConfigurationError extends CallbackError {
  override name = 'CallbackConfigurationError';
  constructor(readonly variable: string) {
    super(`environment variable ${variable} is not set`);
  }
}
