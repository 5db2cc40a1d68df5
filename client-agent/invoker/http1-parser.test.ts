/**
 * The raw path's HTTP/1.1 response parser on its own: every framing (content-length, chunked with
 * extensions and trailers, zero length, no body, read until close), data split at every byte
 * boundary, interim 1xx answers, reuse decisions and malformed answers.
 */
import { describe, expect, it } from 'vitest';
import { HTTPParserError, type ResponseHead, ResponseParser } from './http1-parser';

interface Parsed {
  heads: ResponseHead[];
  body: string;
  completions: { reusable: boolean; keepAliveHintMs: number | null }[];
  /** Events in order: `h` headers, `b` body, `c` complete. */
  order: string;
}

function recorder(): { parser: ResponseParser; parsed: Parsed } {
  const parsed: Parsed = { heads: [], body: '', completions: [], order: '' };
  const parser = new ResponseParser({
    onHeaders: (head) => {
      parsed.heads.push(head);
      parsed.order += 'h';
    },
    onBody: (chunk) => {
      parsed.body += chunk.toString('latin1');
      if (!parsed.order.endsWith('b')) parsed.order += 'b';
    },
    onComplete: (reusable, keepAliveHintMs) => {
      parsed.completions.push({ reusable, keepAliveHintMs });
      parsed.order += 'c';
    },
  });
  return { parser, parsed };
}

/** Parse `pieces` (each its own `execute`), after a reset; `eof` calls `finish()` at the end. */
function parse(pieces: Buffer[], eof = false): Parsed & { finished: boolean } {
  const { parser, parsed } = recorder();
  parser.reset();
  for (const piece of pieces) parser.execute(piece);
  const finished = eof ? parser.finish() : false;
  return { ...parsed, finished };
}

/** The same response split in two at every byte, and byte by byte: all must parse alike. */
function everySplit(text: string, eof = false): (Parsed & { finished: boolean })[] {
  const whole = Buffer.from(text, 'latin1');
  const results = [parse([whole], eof)];
  for (let i = 1; i < whole.length; i++) results.push(parse([whole.subarray(0, i), whole.subarray(i)], eof));
  results.push(parse(Array.from(whole, (byte) => Buffer.from([byte])), eof));
  return results;
}

function withoutOrderOfBody(result: Parsed & { finished: boolean }) {
  return { heads: result.heads, body: result.body, completions: result.completions, finished: result.finished };
}

describe('ResponseParser', () => {
  it('reads a content-length body, split at every byte boundary', () => {
    const text = 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 15\r\nKeep-Alive: timeout=60\r\n\r\n{"ok":"yes!!"}\n';
    const results = everySplit(text);
    for (const result of results) {
      expect(withoutOrderOfBody(result)).toEqual({
        heads: [{ status: 200, version: '1.1', headers: { 'content-type': 'application/json', 'content-length': '15', 'keep-alive': 'timeout=60' } }],
        body: '{"ok":"yes!!"}\n',
        completions: [{ reusable: true, keepAliveHintMs: 60_000 }],
        finished: false,
      });
      expect(result.order).toBe('hbc');
    }
  });

  it('reads a chunked body with extensions and trailers, split at every byte boundary', () => {
    const text = 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5;name=value\r\nhello\r\n1\r\n \r\nA\r\nworld, 10!\r\n0\r\nx-trailer: one\r\nX-Other: two\r\n\r\n';
    for (const result of everySplit(text)) {
      expect(result.heads).toHaveLength(1);
      expect(result.heads[0]?.headers['transfer-encoding']).toBe('chunked');
      expect(result.body).toBe('hello world, 10!');
      expect(result.completions).toEqual([{ reusable: true, keepAliveHintMs: null }]);
      expect(result.order).toBe('hbc');
    }
  });

  it('completes a chunked body without trailers and with upper-case hex sizes', () => {
    const [result] = everySplit('HTTP/1.1 500 Internal Server Error\r\nTransfer-Encoding: gzip, chunked\r\n\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\n\r\n');
    expect(result?.body).toBe('abcdefghijklmnopqrstuvwxyz');
    expect(result?.heads[0]?.status).toBe(500);
    expect(result?.completions).toHaveLength(1);
  });

  it('completes content-length 0, 204 and 304 at the end of the headers', () => {
    for (const text of ['HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n', 'HTTP/1.1 204 No Content\r\n\r\n', 'HTTP/1.1 304 Not Modified\r\ncontent-length: 12\r\n\r\n']) {
      for (const result of everySplit(text)) {
        expect(result.body).toBe('');
        expect(result.completions).toEqual([{ reusable: true, keepAliveHintMs: null }]);
        expect(result.order).toBe('hc');
      }
    }
  });

  it('reads a body without length until the connection closes, and never reuses that connection', () => {
    const text = 'HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nall of this until the end';
    for (const result of everySplit(text, true)) {
      expect(result.body).toBe('all of this until the end');
      expect(result.finished).toBe(true);
      expect(result.completions).toEqual([{ reusable: false, keepAliveHintMs: null }]);
    }
    // Without the close it is not complete.
    expect(parse([Buffer.from(text)]).completions).toHaveLength(0);
    // A transfer-encoding other than chunked is read until close too.
    const gzip = parse([Buffer.from('HTTP/1.1 200 OK\r\ntransfer-encoding: gzip\r\n\r\nxyz')], true);
    expect(gzip).toMatchObject({ body: 'xyz', finished: true, completions: [{ reusable: false }] });
  });

  it('reports an incomplete response at close (finish() is false)', () => {
    for (const text of ['HTTP/1.1 200 OK\r\ncontent-le', 'HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nab']) {
      const result = parse([Buffer.from(text)], true);
      expect(result.finished).toBe(false);
      expect(result.completions).toHaveLength(0);
    }
  });

  it('reads two responses one after the other on one connection (reset between)', () => {
    const { parser, parsed } = recorder();
    parser.reset();
    parser.execute(Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\none'));
    expect(parser.idle).toBe(true);
    parser.reset();
    expect(parser.idle).toBe(false);
    parser.execute(Buffer.from('HTTP/1.1 201 Created\r\ntransfer-encoding: chunked\r\n\r\n3\r\ntwo\r\n0\r\n\r\n'));
    expect(parsed.heads.map((head) => head.status)).toEqual([200, 201]);
    expect(parsed.body).toBe('onetwo');
    expect(parsed.completions).toEqual([
      { reusable: true, keepAliveHintMs: null },
      { reusable: true, keepAliveHintMs: null },
    ]);
  });

  it('does not reuse after connection: close, nor an HTTP/1.0 answer without keep-alive, nor one framed twice', () => {
    expect(parse([Buffer.from('HTTP/1.1 200 OK\r\nConnection: Close\r\ncontent-length: 0\r\n\r\n')]).completions).toEqual([{ reusable: false, keepAliveHintMs: null }]);
    expect(parse([Buffer.from('HTTP/1.1 200 OK\r\nconnection: upgrade, close\r\ncontent-length: 0\r\n\r\n')]).completions[0]?.reusable).toBe(false);
    expect(parse([Buffer.from('HTTP/1.0 200 OK\r\ncontent-length: 0\r\n\r\n')]).completions[0]?.reusable).toBe(false);
    expect(parse([Buffer.from('HTTP/1.0 200 OK\r\nconnection: keep-alive\r\ncontent-length: 0\r\n\r\n')]).completions[0]?.reusable).toBe(true);
    const both = parse([Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 100\r\ntransfer-encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n')]);
    expect(both).toMatchObject({ body: 'ok', completions: [{ reusable: false }] });
  });

  it('skips 100 Continue and other interim answers, split at every byte boundary', () => {
    const text = 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nlink: </a>\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok';
    for (const result of everySplit(text)) {
      expect(result.heads).toEqual([{ status: 200, version: '1.1', headers: { 'content-length': '2' } }]);
      expect(result.body).toBe('ok');
      expect(result.completions).toHaveLength(1);
    }
  });

  it('takes header names case-insensitively, joins repeated ones, unfolds folded ones and accepts bare LF', () => {
    const [result] = everySplit('HTTP/1.1 429 Too Many Requests\nX-Thing: a\nx-thing:   b  \nX-Folded: one\n  two\nContent-Length: 1\n\n!');
    expect(result?.heads[0]).toEqual({ status: 429, version: '1.1', headers: { 'x-thing': 'a, b', 'x-folded': 'one two', 'content-length': '1' } });
    expect(result?.body).toBe('!');
    // A status line without a reason phrase, and equal repeated content-lengths.
    const bare = parse([Buffer.from('HTTP/1.1 200\r\ncontent-length: 2, 2\r\n\r\nhi')]);
    expect(bare).toMatchObject({ body: 'hi', heads: [{ status: 200 }] });
  });

  it('rejects malformed answers and bytes nobody asked for', () => {
    const bad = [
      'HTTP/2 200 OK\r\n\r\n',
      'garbage\r\n\r\n',
      'HTTP/1.1 200 OK\r\nno colon here\r\n\r\n',
      'HTTP/1.1 200 OK\r\ncontent-length: 12abc\r\n\r\n',
      'HTTP/1.1 200 OK\r\ncontent-length: 1, 2\r\n\r\n',
      'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n',
      'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nokX\r\n0\r\n\r\n',
      'HTTP/1.1 101 Switching Protocols\r\n\r\n',
      'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nokEXTRA',
    ];
    for (const text of bad) expect(() => parse([Buffer.from(text)]), text).toThrow(HTTPParserError);
    // Nothing expected: any byte is an error.
    const { parser } = recorder();
    expect(() => parser.execute(Buffer.from('HTTP/1.1 408 Request Timeout\r\n\r\n'))).toThrow(/no request in flight/);
    // A header block past the limit.
    const small = new ResponseParser({ onHeaders: () => undefined, onBody: () => undefined, onComplete: () => undefined }, 64);
    small.reset();
    expect(() => small.execute(Buffer.from(`HTTP/1.1 200 OK\r\nx-long: ${'a'.repeat(100)}\r\n\r\n`))).toThrow(/longer than 64 bytes/);
  });
});
