/**
 * A run's invocations as CSV (RFC 4180: comma-separated, CRLF line ends, fields quoted when they
 * hold a comma, quote or line break): a header of every column, then one line per row. Nulls are
 * empty fields; `extra` is its JSON text. Values are written as stored, never altered, so a script
 * reads back exactly what the store holds (spreadsheet users: text such as error messages is data,
 * not formulas).
 */
import type { InvocationRow } from '../../lib/results/types';
import { INVOCATION_COLUMNS } from './invocation-columns';

/** One CSV field. */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function invocationsToCsv(rows: readonly InvocationRow[]): string {
  const lines = [INVOCATION_COLUMNS.map((column) => column.name).join(',')];
  for (const row of rows) lines.push(INVOCATION_COLUMNS.map((column) => csvField(row[column.name])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
