import type { LabResponse } from '../../core/records';

/** The log fields of a response: the root identifier, or the error type. Never the records. */
export function responseLogFields(response: LabResponse): Record<string, unknown> {
  const body = response.body as { root_identifier?: unknown; error?: { type?: unknown } };
  if (typeof body.root_identifier === 'string') return { identifier: body.root_identifier };
  if (body.error) return { error_type: body.error.type };
  return {};
}
