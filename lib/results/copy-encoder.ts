/**
 * Encodes rows for `COPY … FROM` in PostgreSQL's TEXT format: one line per row, columns
 * separated by a tab, `\N` for NULL, and backslash escapes for backslash, tab, newline and
 * carriage return (https://www.postgresql.org/docs/15/sql-copy.html#id-1.9.3.55.9.2).
 *
 * Why TEXT rather than CSV: no quoting (jsonb, full of double quotes, goes through unchanged
 * except for backslashes), NULL and the empty string cannot be confused, newlines inside values
 * are always escaped so one line is one row (a Data API executor can split it back into rows
 * trivially), and there is no `\.` end-of-data pitfall.
 *
 * Values are checked against their column's type, so a bad row fails here with its row index and
 * column instead of as an opaque server error halfway through a COPY:
 * - numbers must be finite (NaN and ±Infinity are rejected), integer columns take safe 32-bit
 *   integers; doubles are written with JavaScript's shortest round-trip form (`5e-324`,
 *   `1.7976931348623157e+308`, `-0`), which PostgreSQL reads back to the same double;
 * - strings (and jsonb) must not contain NUL or lone UTF-16 surrogates, which PostgreSQL cannot
 *   store (text) or rejects (jsonb); rejecting them beats silently changing the data;
 * - `undefined` is written as NULL.
 */
import { ResultsStoreError } from './errors';

export type CopyColumnType = 'text' | 'integer' | 'double' | 'boolean' | 'jsonb';

export interface CopyColumn {
  readonly name: string;
  readonly type: CopyColumnType;
}

/** A value that cannot be written to its column. */
export class CopyEncodingError extends ResultsStoreError {
  override name = 'CopyEncodingError';
  constructor(
    /** Index of the row in the batch given to the encoder. */
    readonly rowIndex: number,
    readonly column: string,
    problem: string,
  ) {
    super(`row ${rowIndex}, column ${column}: ${problem}`);
  }
}

/** Thrown by the value encoders; the row loop adds the row and column. */
class ValueError extends Error {}

export const COPY_NULL = '\\N';

/** Characters that need a closer look: escapes, NUL, and UTF-16 surrogates (checked for pairing). */
const NEEDS_ATTENTION = /[\\\t\n\r\0\uD800-\uDFFF]/;
const ESCAPED = /[\\\t\n\r]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?:^|[^\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** A string as a COPY TEXT field (without the NULL case). */
export function escapeCopyText(value: string): string {
  if (!NEEDS_ATTENTION.test(value)) return value;
  if (value.includes('\0')) throw new ValueError('contains a NUL character, which PostgreSQL text cannot hold');
  if (LONE_SURROGATE.test(value)) throw new ValueError('contains a lone UTF-16 surrogate (not valid Unicode)');
  return value.replace(ESCAPED, (ch) => ESCAPES[ch] as string);
}

/** Escapes `\u0000` and lone surrogates `\udXXX` in JSON text, which jsonb rejects. */
const JSON_SUSPECT = /\\u(0000|d[89a-f])/i;

function checkJsonText(json: string): void {
  if (!JSON_SUSPECT.test(json)) return;
  // JSON.stringify writes a surrogate pair as the characters themselves and escapes only lone
  // surrogates, so any \udXXX escape is a lone one. Walk the escapes to skip `\\u0000` (an
  // escaped backslash followed by the letters u0000).
  for (let i = json.indexOf('\\'); i >= 0; i = json.indexOf('\\', i + 2)) {
    if (json[i + 1] !== 'u') continue;
    const code = Number.parseInt(json.slice(i + 2, i + 6), 16);
    if (code === 0) throw new ValueError('contains a NUL character (\\u0000), which jsonb rejects');
    if (code >= 0xd800 && code <= 0xdfff) throw new ValueError('contains a lone UTF-16 surrogate, which jsonb rejects');
  }
}

const INT32_MIN = -2_147_483_648;
const INT32_MAX = 2_147_483_647;

function describe(value: unknown): string {
  if (typeof value === 'string') return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  return typeof value;
}

type Encoder = (value: unknown) => string;

const ENCODERS: Record<CopyColumnType, Encoder> = {
  text(value) {
    if (typeof value !== 'string') throw new ValueError(`expected a string, got ${describe(value)}`);
    return escapeCopyText(value);
  },
  integer(value) {
    if (typeof value !== 'number' || !Number.isInteger(value)) throw new ValueError(`expected an integer, got ${describe(value)}`);
    if (value < INT32_MIN || value > INT32_MAX) throw new ValueError(`integer ${value} is out of the 32-bit range`);
    return String(value);
  },
  double(value) {
    if (typeof value !== 'number') throw new ValueError(`expected a number, got ${describe(value)}`);
    if (!Number.isFinite(value)) throw new ValueError(`expected a finite number, got ${value}`);
    return Object.is(value, -0) ? '-0' : String(value);
  },
  boolean(value) {
    if (typeof value !== 'boolean') throw new ValueError(`expected a boolean, got ${describe(value)}`);
    return value ? 't' : 'f';
  },
  jsonb(value) {
    let json: string | undefined;
    try {
      json = JSON.stringify(value);
    } catch (error) {
      throw new ValueError(`cannot be written as JSON: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (json === undefined) throw new ValueError(`cannot be written as JSON: ${describe(value)}`);
    checkJsonText(json);
    // JSON.stringify escapes every control character, so only backslashes need escaping.
    return json.includes('\\') ? json.replace(/\\/g, '\\\\') : json;
  },
};

/** One field of COPY TEXT for a value of the given column type. */
export function encodeCopyValue(value: unknown, type: CopyColumnType): string {
  return value === null || value === undefined ? COPY_NULL : ENCODERS[type](value);
}

/**
 * Encode `rows[start, end)` as COPY TEXT lines (each ending with a newline). Columns are read as
 * `row[column.name]`. `rowIndexOffset` is added to the row index reported in errors.
 */
export function encodeCopyText(
  rows: readonly object[],
  columns: readonly CopyColumn[],
  start = 0,
  end = rows.length,
  rowIndexOffset = 0,
): string {
  const names = columns.map((column) => column.name);
  const encoders = columns.map((column) => ENCODERS[column.type]);
  const width = columns.length;
  // Arrays joined once: building the text with += makes ropes of millions of pieces, and the
  // garbage collector then spends more time on them than the encoding itself takes.
  const fields = new Array<string>(width);
  const lines = new Array<string>(Math.max(0, end - start) + 1);
  let r = start;
  let c = 0;
  try {
    for (; r < end; r++) {
      const row = rows[r] as Record<string, unknown>;
      for (c = 0; c < width; c++) {
        const value = row[names[c] as string];
        fields[c] = value === null || value === undefined ? COPY_NULL : (encoders[c] as Encoder)(value);
      }
      lines[r - start] = fields.join('\t');
    }
  } catch (error) {
    if (error instanceof ValueError) throw new CopyEncodingError(r + rowIndexOffset, columns[c]?.name ?? '?', error.message);
    throw error;
  }
  // The extra empty last element gives the final newline.
  lines[lines.length - 1] = '';
  return end > start ? lines.join('\n') : '';
}

/**
 * Default rows per chunk: about half a MB of text for invocation rows, small enough that the
 * socket buffers hold a few chunks, so the server loads one while the next is encoded.
 */
export const DEFAULT_ROWS_PER_CHUNK = 2_000;

/**
 * Encode rows lazily as COPY TEXT chunks of at most `rowsPerChunk` rows, so a large batch never
 * becomes one giant string (V8 strings stop at about 512 MB) and a streaming driver can send one
 * chunk while the next is encoded.
 */
export function* encodeCopyChunks(
  rows: readonly object[],
  columns: readonly CopyColumn[],
  rowsPerChunk = DEFAULT_ROWS_PER_CHUNK,
): Generator<string, void, undefined> {
  if (!(rowsPerChunk >= 1)) throw new Error(`rowsPerChunk must be at least 1, got ${rowsPerChunk}`);
  for (let start = 0; start < rows.length; start += rowsPerChunk) {
    yield encodeCopyText(rows, columns, start, Math.min(rows.length, start + rowsPerChunk));
  }
}
