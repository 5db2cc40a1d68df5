/**
 * A minimal, incremental HTTP/1.1 response parser for the invoker's raw-socket batch path
 * (raw-pool.ts): one parser per connection, fed whatever the socket delivers — split at any byte
 * boundary — and reset before each request.
 *
 * Why our own: undici's per-request cost (its request object, handler plumbing and idle-socket
 * validation) is what kept a 256-request release from reaching the bare `socket.write` floor. The
 * answers themselves need only this much: the status line, the headers (names case-insensitive),
 * and the body framed by `content-length`, by `transfer-encoding: chunked` (extensions and trailers
 * read and dropped) or by the connection's close. 1xx interim answers (`100 Continue`, `103`) are
 * skipped; `101` is an error (the invoker never asks to upgrade). 204 and 304 have no body.
 *
 * Whether the connection may carry another request is decided as in RFC 9112 §9.3: HTTP/1.1 unless
 * `connection: close`, HTTP/1.0 only with `connection: keep-alive`, never after a body read until
 * close or one framed by both `transfer-encoding` and `content-length`. A `keep-alive: timeout=N`
 * hint is passed on (in ms). Bytes after a complete answer are a protocol error (the invoker never
 * pipelines), as is anything malformed: {@link HTTPParserError}, thrown from `execute`.
 */

export interface ResponseHead {
  status: number;
  /** `'1.1'` or `'1.0'`. */
  version: string;
  /** Lower-cased names; repeated headers joined with `, `. */
  headers: Record<string, string>;
}

/** What a parser reports, synchronously from `execute`/`finish`. */
export interface ResponseEvents {
  /** The final (non-1xx) status line and headers have arrived. */
  onHeaders(head: ResponseHead): void;
  /** A piece of the (de-chunked) body; a view of the socket's chunk, not a copy. */
  onBody(chunk: Buffer): void;
  /** The body is complete. `reusable`: the connection may carry the next request. */
  onComplete(reusable: boolean, keepAliveHintMs: number | null): void;
}

/** A malformed or unexpected response (named like undici's, so error types read alike). */
export class HTTPParserError extends Error {
  override name = 'HTTPParserError';
}

const HEAD = 0;
const LENGTH = 1;
const CHUNK_SIZE = 2;
const CHUNK_DATA = 3;
const CHUNK_END = 4;
const TRAILERS = 5;
const UNTIL_CLOSE = 6;
const DONE = 7;

const LF = 10;
const CR = 13;
/** Longest chunk-size line (size and extensions). */
const MAX_CHUNK_LINE = 4096;
const STATUS_LINE = /^HTTP\/1\.([01]) ([1-9]\d\d)(?:[ \t].*)?$/;
const CHUNK_SIZE_TEXT = /^[0-9a-fA-F]{1,12}$/;
const DIGITS = /^\d{1,15}$/;
const KEEP_ALIVE_TIMEOUT = /timeout=(\d+)/;

export class ResponseParser {
  #state = DONE;
  /** Status line and header lines of the head being read. */
  #lines: string[] = [];
  /** Bytes of an unfinished line (head, chunk size, trailers). */
  #partial: Buffer | null = null;
  /** Bytes of the head (or trailers, or the current chunk-size line) so far, against the limits. */
  #lineBytes = 0;
  #remaining = 0;
  #reusable = true;
  #hint: number | null = null;
  /** The line `#readLine` last read. */
  #line = '';

  constructor(
    readonly events: ResponseEvents,
    readonly maxHeaderBytes = 64 * 1024,
  ) {}

  /** Expect a new response (before each request is written). */
  reset(): void {
    this.#state = HEAD;
    this.#lines = [];
    this.#partial = null;
    this.#lineBytes = 0;
    this.#remaining = 0;
    this.#reusable = true;
    this.#hint = null;
  }

  /** No response is being read (none expected, or the last one is complete). */
  get idle(): boolean {
    return this.#state === DONE;
  }

  /** Feed the next bytes from the socket. Throws {@link HTTPParserError} on a malformed response. */
  execute(data: Buffer): void {
    const length = data.length;
    let pos = 0;
    while (pos < length) {
      switch (this.#state) {
        case HEAD: {
          const next = this.#readLine(data, pos, this.maxHeaderBytes);
          if (next < 0) return;
          pos = next;
          const line = this.#line;
          if (line !== '') {
            const first = line.charCodeAt(0);
            // Obsolete line folding (RFC 9112 §5.2): a continuation of the previous header value.
            if ((first === 32 || first === 9) && this.#lines.length > 1) this.#lines[this.#lines.length - 1] += ` ${line.trim()}`;
            else this.#lines.push(line);
          } else if (this.#lines.length > 0) {
            this.#onHead();
          }
          // An empty line before the status line is tolerated (a stray CRLF).
          break;
        }
        case LENGTH:
        case CHUNK_DATA:
        case UNTIL_CLOSE: {
          const take = this.#state === UNTIL_CLOSE ? length - pos : Math.min(this.#remaining, length - pos);
          this.events.onBody(pos === 0 && take === length ? data : data.subarray(pos, pos + take));
          pos += take;
          if (this.#state === UNTIL_CLOSE) break;
          this.#remaining -= take;
          if (this.#remaining === 0) {
            if (this.#state === LENGTH) this.#complete();
            else {
              this.#state = CHUNK_END;
              this.#lineBytes = 0;
            }
          }
          break;
        }
        case CHUNK_SIZE: {
          const next = this.#readLine(data, pos, MAX_CHUNK_LINE);
          if (next < 0) return;
          pos = next;
          const semicolon = this.#line.indexOf(';');
          const text = (semicolon === -1 ? this.#line : this.#line.slice(0, semicolon)).trim();
          if (!CHUNK_SIZE_TEXT.test(text)) throw new HTTPParserError(`invalid chunk size line: ${JSON.stringify(this.#line.slice(0, 40))}`);
          const size = Number.parseInt(text, 16);
          this.#lineBytes = 0;
          if (size === 0) this.#state = TRAILERS;
          else {
            this.#state = CHUNK_DATA;
            this.#remaining = size;
          }
          break;
        }
        case CHUNK_END: {
          const next = this.#readLine(data, pos, MAX_CHUNK_LINE);
          if (next < 0) return;
          pos = next;
          if (this.#line !== '') throw new HTTPParserError('missing CRLF after a chunk');
          this.#state = CHUNK_SIZE;
          this.#lineBytes = 0;
          break;
        }
        case TRAILERS: {
          const next = this.#readLine(data, pos, this.maxHeaderBytes);
          if (next < 0) return;
          pos = next;
          // Trailer fields are read and dropped; the empty line ends the message.
          if (this.#line === '') this.#complete();
          break;
        }
        default:
          throw new HTTPParserError(this.#lines.length ? 'unexpected data after the response' : 'unexpected data with no request in flight');
      }
    }
  }

  /**
   * The socket's read side ended. Returns true if that completed a body read until close;
   * false if a response was expected and is not complete (or none was expected).
   */
  finish(): boolean {
    if (this.#state !== UNTIL_CLOSE) return false;
    this.#complete();
    return true;
  }

  /** Reads one line from `pos`; returns the position after its LF (line in `#line`, CR stripped), or -1 when incomplete. */
  #readLine(data: Buffer, pos: number, limit: number): number {
    const newline = data.indexOf(LF, pos);
    const end = newline === -1 ? data.length : newline;
    this.#lineBytes += end - pos + 1;
    if (this.#lineBytes > limit) throw new HTTPParserError(`response header or chunk line longer than ${limit} bytes`);
    if (newline === -1) {
      const rest = data.subarray(pos);
      this.#partial = this.#partial ? Buffer.concat([this.#partial, rest]) : rest;
      return -1;
    }
    let bytes = data;
    let start = pos;
    let stop = newline;
    if (this.#partial) {
      bytes = Buffer.concat([this.#partial, data.subarray(pos, newline)]);
      this.#partial = null;
      start = 0;
      stop = bytes.length;
    }
    if (stop > start && bytes[stop - 1] === CR) stop -= 1;
    this.#line = bytes.toString('latin1', start, stop);
    return newline + 1;
  }

  #onHead(): void {
    const lines = this.#lines;
    const match = STATUS_LINE.exec(lines[0] as string);
    if (!match) throw new HTTPParserError(`invalid status line: ${JSON.stringify((lines[0] as string).slice(0, 40))}`);
    const status = Number(match[2]);
    const version = `1.${match[1]}`;
    const headers: Record<string, string> = Object.create(null);
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i] as string;
      const colon = line.indexOf(':');
      if (colon <= 0) throw new HTTPParserError(`invalid header line: ${JSON.stringify(line.slice(0, 40))}`);
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      const previous = headers[name];
      headers[name] = previous === undefined ? value : `${previous}, ${value}`;
    }
    if (status < 200) {
      if (status === 101) throw new HTTPParserError('unexpected 101 Switching Protocols');
      // An interim answer: the final one follows.
      this.#lines = [];
      this.#lineBytes = 0;
      return;
    }

    const connection = headers.connection?.toLowerCase() ?? '';
    this.#reusable = version === '1.1' ? !hasToken(connection, 'close') : hasToken(connection, 'keep-alive');
    const keepAlive = headers['keep-alive'];
    const timeout = keepAlive === undefined ? null : KEEP_ALIVE_TIMEOUT.exec(keepAlive);
    this.#hint = timeout ? Number(timeout[1]) * 1000 : null;
    this.events.onHeaders({ status, version, headers });

    const transferEncoding = headers['transfer-encoding'];
    const contentLength = headers['content-length'];
    if (status === 204 || status === 304) {
      this.#complete();
    } else if (transferEncoding !== undefined) {
      const codings = transferEncoding.toLowerCase().split(',');
      if ((codings[codings.length - 1] as string).trim() === 'chunked') {
        this.#state = CHUNK_SIZE;
        this.#lineBytes = 0;
        // Framed by both: the chunks win, but the connection is not to be trusted again.
        if (contentLength !== undefined) this.#reusable = false;
      } else {
        this.#state = UNTIL_CLOSE;
        this.#reusable = false;
      }
    } else if (contentLength !== undefined) {
      const values = contentLength.split(',').map((value) => value.trim());
      const first = values[0] as string;
      if (!DIGITS.test(first) || values.some((value) => value !== first)) throw new HTTPParserError(`invalid content-length: ${JSON.stringify(contentLength.slice(0, 40))}`);
      this.#remaining = Number(first);
      if (this.#remaining === 0) this.#complete();
      else this.#state = LENGTH;
    } else {
      this.#state = UNTIL_CLOSE;
      this.#reusable = false;
    }
  }

  #complete(): void {
    this.#state = DONE;
    this.events.onComplete(this.#reusable, this.#hint);
  }
}

function hasToken(list: string, token: string): boolean {
  if (!list.includes(token)) return false;
  return list.split(',').some((part) => part.trim() === token);
}
