/**
 * The COPY TEXT encoder on its own: exact output for each column type, the values it must refuse,
 * chunking, and a round trip through a reference decoder written from the PostgreSQL docs.
 * (The round trip through real servers is in the store contract.)
 */
import { describe, expect, it } from 'vitest';
import { type CopyColumn, CopyEncodingError, encodeCopyChunks, encodeCopyText, encodeCopyValue, escapeCopyText } from './copy-encoder';

/** Decode one COPY TEXT field as PostgreSQL does (the escapes we write, plus \N). */
function decodeField(field: string): string | null {
  if (field === '\\N') return null;
  return field.replace(/\\(.)/g, (_, ch: string) => ({ t: '\t', n: '\n', r: '\r', '\\': '\\' })[ch] ?? ch);
}

function decode(text: string): (string | null)[][] {
  expect(text.endsWith('\n') || text === '').toBe(true);
  return text
    .split('\n')
    .slice(0, -1)
    .map((line) => line.split('\t').map(decodeField));
}

const rejects = (value: unknown, type: CopyColumn['type']) => () => encodeCopyValue(value, type);

describe('escapeCopyText', () => {
  it('escapes backslash, tab, newline and carriage return, and nothing else', () => {
    expect(escapeCopyText('plain text, "quoted", \'single\'')).toBe('plain text, "quoted", \'single\'');
    expect(escapeCopyText('a\\b\tc\nd\re')).toBe('a\\\\b\\tc\\nd\\re');
    expect(escapeCopyText('\\N')).toBe('\\\\N');
    expect(escapeCopyText('\\.')).toBe('\\\\.');
    expect(escapeCopyText('')).toBe('');
  });

  it('passes Unicode through unchanged, surrogate pairs included', () => {
    for (const text of ['é ü 日本語', '😀 👩‍👩‍👧', 'e\u0301', '\u2028\u2029', '\u0001\u001f\u007f']) {
      expect(escapeCopyText(text)).toBe(text);
    }
  });

  it('refuses NUL and lone surrogates', () => {
    expect(() => escapeCopyText('a\0b')).toThrow(/NUL/);
    expect(() => escapeCopyText('a\uD800b')).toThrow(/surrogate/);
    expect(() => escapeCopyText('a\uDC00')).toThrow(/surrogate/);
    expect(() => escapeCopyText('\uDC00\uD800')).toThrow(/surrogate/);
  });
});

describe('encodeCopyValue', () => {
  it('writes NULL for null and undefined in every type', () => {
    for (const type of ['text', 'integer', 'double', 'boolean', 'jsonb'] as const) {
      expect(encodeCopyValue(null, type)).toBe('\\N');
      expect(encodeCopyValue(undefined, type)).toBe('\\N');
    }
  });

  it('writes doubles in their shortest round-trip form', () => {
    const cases: [number, string][] = [
      [0, '0'],
      [-0, '-0'],
      [1.5, '1.5'],
      [0.1 + 0.2, '0.30000000000000004'],
      [1_700_000_000_000.123, '1700000000000.123'],
      [Number.MIN_VALUE, '5e-324'],
      [2.2250738585072014e-308, '2.2250738585072014e-308'],
      [Number.MAX_VALUE, '1.7976931348623157e+308'],
      [1e21, '1e+21'],
      [-1.5e-7, '-1.5e-7'],
    ];
    for (const [value, text] of cases) {
      expect(encodeCopyValue(value, 'double')).toBe(text);
      expect(Number(text)).toBe(value);
    }
  });

  it('refuses non-finite and non-number doubles', () => {
    expect(rejects(Number.NaN, 'double')).toThrow(/finite/);
    expect(rejects(Number.POSITIVE_INFINITY, 'double')).toThrow(/finite/);
    expect(rejects(Number.NEGATIVE_INFINITY, 'double')).toThrow(/finite/);
    expect(rejects('1.5', 'double')).toThrow(/expected a number/);
    expect(rejects(10n, 'double')).toThrow(/expected a number/);
  });

  it('writes 32-bit integers and refuses anything else', () => {
    expect(encodeCopyValue(42, 'integer')).toBe('42');
    expect(encodeCopyValue(-2_147_483_648, 'integer')).toBe('-2147483648');
    expect(encodeCopyValue(2_147_483_647, 'integer')).toBe('2147483647');
    expect(rejects(2_147_483_648, 'integer')).toThrow(/32-bit/);
    expect(rejects(1.5, 'integer')).toThrow(/integer/);
    expect(rejects(Number.NaN, 'integer')).toThrow(/integer/);
    expect(rejects('1', 'integer')).toThrow(/integer/);
  });

  it('writes booleans as t/f and refuses other values', () => {
    expect(encodeCopyValue(true, 'boolean')).toBe('t');
    expect(encodeCopyValue(false, 'boolean')).toBe('f');
    expect(rejects('true', 'boolean')).toThrow(/boolean/);
    expect(rejects(1, 'boolean')).toThrow(/boolean/);
  });

  it('refuses non-strings in text columns', () => {
    expect(rejects(12, 'text')).toThrow(/string/);
    expect(rejects({}, 'text')).toThrow(/string/);
  });

  it('writes jsonb as JSON with its backslashes doubled', () => {
    const value = { quote: 'say "hi"', newline: 'a\nb', tab: 'a\tb', backslash: 'c:\\dir', unicode: '日本 😀', n: [1, null, 1e-7, 1e300], t: true };
    const field = encodeCopyValue(value, 'jsonb');
    expect(field).not.toMatch(/[\t\n\r]/);
    expect(JSON.parse(decodeField(field) as string)).toEqual(value);
    expect(encodeCopyValue([], 'jsonb')).toBe('[]');
    expect(encodeCopyValue('text', 'jsonb')).toBe('"text"');
  });

  it('refuses JSON that jsonb rejects or that JSON cannot express', () => {
    expect(rejects({ a: 'nul\0here' }, 'jsonb')).toThrow(/NUL/);
    expect(rejects({ a: 'lone \uD83D' }, 'jsonb')).toThrow(/surrogate/);
    expect(rejects({ a: 1n }, 'jsonb')).toThrow(/JSON/);
    expect(rejects(() => 1, 'jsonb')).toThrow(/JSON/);
    // A literal backslash followed by "u0000" is fine.
    expect(JSON.parse(decodeField(encodeCopyValue({ a: '\\u0000' }, 'jsonb')) as string)).toEqual({ a: '\\u0000' });
  });
});

describe('encodeCopyText', () => {
  const columns: CopyColumn[] = [
    { name: 'id', type: 'integer' },
    { name: 'name', type: 'text' },
    { name: 'ok', type: 'boolean' },
    { name: 'x', type: 'double' },
    { name: 'meta', type: 'jsonb' },
  ];

  it('writes one line per row, columns in the given order, missing keys as NULL', () => {
    const text = encodeCopyText(
      [
        { id: 1, name: 'a\nb', ok: true, x: 1.5, meta: { k: 'v' } },
        { name: '', id: 2, ok: null },
      ],
      columns,
    );
    expect(text).toBe('1\ta\\nb\tt\t1.5\t{"k":"v"}\n2\t\t\\N\t\\N\t\\N\n');
  });

  it('round-trips nasty strings through a reference decoder', () => {
    const alphabet = ['a', ' ', '\\', '\t', '\n', '\r', '"', "'", ',', 'N', '.', 'é', '😀', '\u0001', '{', '}'];
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const rows = Array.from({ length: 500 }, (_, id) => ({
      id,
      name: Array.from({ length: Math.floor(random() * 12) }, () => alphabet[Math.floor(random() * alphabet.length)]).join(''),
    }));
    const decoded = decode(encodeCopyText(rows, columns.slice(0, 2)));
    expect(decoded).toEqual(rows.map((row) => [String(row.id), row.name]));
  });

  it('reports the row index and column of a bad value', () => {
    const rows = [{ id: 1 }, { id: 2 }, { id: 3, x: Number.NaN }];
    const error = (() => {
      try {
        encodeCopyText(rows, columns);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(CopyEncodingError);
    expect(error).toMatchObject({ rowIndex: 2, column: 'x' });
    expect((error as Error).message).toMatch(/row 2, column x: .*NaN/);
  });
});

describe('encodeCopyChunks', () => {
  const columns: CopyColumn[] = [{ name: 'id', type: 'integer' }];
  const rows = Array.from({ length: 5 }, (_, id) => ({ id }));

  it('splits on row boundaries and joins back to the whole', () => {
    const chunks = [...encodeCopyChunks(rows, columns, 2)];
    expect(chunks).toEqual(['0\n1\n', '2\n3\n', '4\n']);
    expect(chunks.join('')).toBe(encodeCopyText(rows, columns));
    expect([...encodeCopyChunks([], columns, 2)]).toEqual([]);
  });

  it('is lazy and reports absolute row indexes', () => {
    const bad = [...rows, { id: 0.5 }];
    const chunks = encodeCopyChunks(bad, columns, 2);
    expect(chunks.next().value).toBe('0\n1\n');
    expect(() => [...chunks]).toThrow(/row 5, column id/);
  });
});
