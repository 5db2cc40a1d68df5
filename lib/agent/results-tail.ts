/**
 * Counts the calls in an agent's results file while the agent is still writing it: each read
 * takes only the bytes appended since the last one, and a call is an invocation row at level 0
 * (the root record of an answer, or the client-side row of a call that got none). Nested records
 * are not calls. A torn last line waits for the next read.
 */
import { open } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';

export class ResultsTail {
  private offset = 0;
  private pending = '';
  /** Keeps a character split between two reads whole. */
  private readonly decoder = new StringDecoder('utf8');
  private count = 0;

  constructor(readonly path: string) {}

  /** Calls counted so far. */
  get calls(): number {
    return this.count;
  }

  /** Reads one after another: two at once would count the same bytes twice. */
  private queue: Promise<unknown> = Promise.resolve();

  /** Read what was appended since the last read; a missing file has no calls yet. Answers the calls so far. */
  read(): Promise<number> {
    const next = this.queue.then(() => this.readAppended());
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async readAppended(): Promise<number> {
    let file: Awaited<ReturnType<typeof open>>;
    try {
      file = await open(this.path, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return this.count;
      throw error;
    }
    try {
      const { size } = await file.stat();
      if (size <= this.offset) return this.count;
      const buffer = Buffer.alloc(size - this.offset);
      const { bytesRead } = await file.read(buffer, 0, buffer.length, this.offset);
      this.offset += bytesRead;
      this.take(this.decoder.write(buffer.subarray(0, bytesRead)));
    } finally {
      await file.close();
    }
    return this.count;
  }

  private take(text: string): void {
    const lines = (this.pending + text).split('\n');
    this.pending = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.startsWith('{"i":')) continue;
      try {
        const row = (JSON.parse(line) as { i?: { level?: unknown } }).i;
        if (row?.level === 0) this.count += 1;
      } catch {
        // Not a row (the reader of the file refuses it at import; here it is simply not a call).
      }
    }
  }
}
