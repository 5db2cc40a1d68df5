/**
 * The building blocks of every provider's `classify`: what a lab function's own answers mean
 * (a record map, ok or with the root's error; a `{error:{type,message}}` answer), and how a
 * platform's plain-text, HTML or empty answers become an error type and a short message.
 *
 * Why shared: the lab functions answer the same way on every platform; only the platform's own
 * answers (throttles, auth failures, gateway errors) differ, and each provider handles those
 * before falling back to {@link fallbackAnswer}.
 */
import { isResponseBody } from '../../lab-functions/core/records';
import type { Classified } from './platform';

/** Longest error message kept from an answer body. */
export const MAX_MESSAGE_LENGTH = 500;

/** The parsed JSON of `text`, or undefined when it is empty or not JSON. */
export function parseJson(text: string): unknown {
  // Cheap pre-check: JSON documents a platform answers with start with `{` or `[` here.
  const first = text.charCodeAt(0);
  if (first !== 123 /* { */ && first !== 91 /* [ */) {
    const trimmed = text.trimStart();
    if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return undefined;
  }
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * A lab function's answer: 200 with a record map → ok; any other status with a record map (the
 * function failed and its root record carries `error`) → error, body kept; 429 → throttled.
 * Undefined when `parsed` is not a record map.
 */
export function classifyRecords(httpStatus: number, parsed: unknown): Classified | undefined {
  if (!isResponseBody(parsed)) return undefined;
  if (httpStatus === 200) return { status: 'ok', body: parsed };
  const root = parsed[parsed.root_identifier] as { error?: { type?: unknown; message?: unknown } };
  const error = root.error;
  return {
    status: httpStatus === 429 ? 'throttled' : 'error',
    body: parsed,
    errorType: typeof error?.type === 'string' && error.type ? error.type : httpErrorType(httpStatus),
    errorMessage: typeof error?.message === 'string' ? truncate(error.message) : `HTTP ${httpStatus} with invocation records`,
  };
}

/** `{ error: { type, message } }`: the lab's 400 and the local gateway's errors. */
export function errorShape(parsed: unknown): { type: string; message: string } | undefined {
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const error = (parsed as { error?: unknown }).error;
  if (typeof error !== 'object' || error === null) return undefined;
  const { type, message } = error as { type?: unknown; message?: unknown };
  if (typeof type !== 'string' || !type) return undefined;
  return { type, message: typeof message === 'string' ? truncate(message) : '' };
}

/**
 * What is left when no provider rule matched: a 200 without records is an invalid answer; any
 * other status is `HttpError<status>` with the body's text (HTML stripped, trimmed, ≤ 500 chars).
 */
export function fallbackAnswer(httpStatus: number, bodyText: string): Classified {
  if (httpStatus >= 200 && httpStatus < 300) {
    return {
      status: 'error',
      errorType: 'InvalidResponseError',
      errorMessage: truncate(`HTTP ${httpStatus} without invocation records: ${messageFromText(bodyText) || '(empty body)'}`),
    };
  }
  return {
    status: httpStatus === 429 ? 'throttled' : 'error',
    errorType: httpErrorType(httpStatus),
    errorMessage: messageFromText(bodyText) || `HTTP ${httpStatus} with an empty body`,
  };
}

export function httpErrorType(httpStatus: number): string {
  return `HttpError${httpStatus}`;
}

/** A readable message from an answer body: HTML reduced to its text, whitespace collapsed, ≤ 500 chars. */
export function messageFromText(text: string): string {
  let result = text.trim();
  if (/^<|<\/?(html|body|head|h1|p)\b/i.test(result)) {
    const body = /<body[^>]*>([\s\S]*?)<\/body>/i.exec(result)?.[1];
    result = (body ?? result)
      .replace(/<(script|style)\b[\s\S]*?<\/\1>/gi, ' ')
      .replace(/<[^>]*>/g, ' ')
      .replace(/&nbsp;/g, ' ')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&amp;/g, '&');
  }
  return truncate(result.replace(/\s+/g, ' ').trim());
}

export function truncate(text: string, maxLength = MAX_MESSAGE_LENGTH): string {
  return text.length <= maxLength ? text : `${text.slice(0, maxLength - 1)}…`;
}
