/**
 * The errors `fb serve`'s Step Functions API answers with, named by the error codes Step Functions
 * uses (`__type` of the JSON 1.0 error body), so the AWS CLI and SDKs report them as they would
 * from AWS.
 */

/** An error with a Step Functions error code, answered with HTTP 400. */
export class StepFunctionsApiError extends Error {
  override name = 'StepFunctionsApiError';

  constructor(
    /** The Step Functions error code (`ExecutionDoesNotExist`, …). */
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class InvalidArnError extends StepFunctionsApiError {
  override name = 'InvalidArnError';
  constructor(message: string) {
    super('InvalidArn', message);
  }
}

export class InvalidNameError extends StepFunctionsApiError {
  override name = 'InvalidNameError';
  constructor(message: string) {
    super('InvalidName', message);
  }
}

export class InvalidExecutionInputError extends StepFunctionsApiError {
  override name = 'InvalidExecutionInputError';
  constructor(message: string) {
    super('InvalidExecutionInput', message);
  }
}

export class InvalidTokenError extends StepFunctionsApiError {
  override name = 'InvalidTokenError';
  constructor(message: string) {
    super('InvalidToken', message);
  }
}

export class ValidationError extends StepFunctionsApiError {
  override name = 'ValidationError';
  constructor(message: string) {
    super('ValidationException', message);
  }
}

export class StateMachineDoesNotExistError extends StepFunctionsApiError {
  override name = 'StateMachineDoesNotExistError';
  constructor(message: string) {
    super('StateMachineDoesNotExist', message);
  }
}

export class ExecutionDoesNotExistError extends StepFunctionsApiError {
  override name = 'ExecutionDoesNotExistError';
  constructor(message: string) {
    super('ExecutionDoesNotExist', message);
  }
}

export class ExecutionAlreadyExistsError extends StepFunctionsApiError {
  override name = 'ExecutionAlreadyExistsError';
  constructor(message: string) {
    super('ExecutionAlreadyExists', message);
  }
}

export class UnknownOperationError extends StepFunctionsApiError {
  override name = 'UnknownOperationError';
  constructor(message: string) {
    super('UnknownOperationException', message);
  }
}
