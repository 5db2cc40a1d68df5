/**
 * Named errors of the lab functions. `name` is part of the wire contract: it is what an error
 * record's `error.type` carries and what a state machine's Retry/Catch would match.
 */
export class LabFunctionError extends Error {
  override name = 'LabFunctionError';
}

/** The request body is not a valid lab-function input. Answered with HTTP 400. */
export class InvalidInputError extends LabFunctionError {
  override name = 'InvalidInputError';
}

/** A nested call could not be made or did not answer with invocation records. */
export class NestedInvocationError extends LabFunctionError {
  override name = 'NestedInvocationError';
  constructor(
    message: string,
    readonly httpStatus?: number,
  ) {
    super(message);
  }
}

/** The monolith was asked for a feature it does not have (only reachable past validation). */
export class UnknownFeatureError extends LabFunctionError {
  override name = 'UnknownFeatureError';
}

/** `{ type, message }` as carried by error records and 400 answers; never a stack or a secret. */
export interface ErrorInfo {
  type: string;
  message: string;
}

export function toErrorInfo(error: unknown): ErrorInfo {
  if (error instanceof Error) return { type: error.name || 'Error', message: truncate(error.message, 500) };
  return { type: 'Error', message: truncate(String(error), 500) };
}

function truncate(text: string, maxLength: number): string {
  return text.length <= maxLength ? text : `${text.slice(0, maxLength - 1)}…`;
}
