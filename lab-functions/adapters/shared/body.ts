import { InvalidInputError } from '../../core/errors';

/**
 * Parse an HTTP request body as JSON. An empty body is an empty request (every field is
 * optional); anything that is not JSON is an {@link InvalidInputError}, answered with 400.
 */
export function parseJsonBody(text: string | undefined | null): unknown {
  if (text === undefined || text === null || text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidInputError('request body is not valid JSON');
  }
}

/** Parse a response body as JSON where possible, or keep it as text (for error pages). */
export function parseAnswer(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
