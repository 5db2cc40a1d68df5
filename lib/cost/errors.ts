/** The cost estimates' errors. */

/** A usage line's unit does not match its price's: a bug in the line, never priced silently. */
export class PriceUnitMismatchError extends Error {
  override name = 'PriceUnitMismatchError';
}

/** `fb run --budget`: the estimate is over the budget, or cannot be compared with it. Nothing was started. */
export class BudgetExceededError extends Error {
  override name = 'BudgetExceededError';
}

/** `--budget` was not a non-negative number of USD. */
export class InvalidBudgetError extends Error {
  override name = 'InvalidBudgetError';
}
