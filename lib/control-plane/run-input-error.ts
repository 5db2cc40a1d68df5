/** ValidateInput's refusal of a run's input; the state machine's Catch fails the run with its message. */
export class InvalidRunInputError extends Error {
  override name = 'InvalidRunInputError';
}
