import type { IncomingMessage } from 'node:http';
import { InvalidInputError } from '../../core/errors';

/** The request body is larger than the server accepts: answered with 413. */
export class PayloadTooLargeError extends InvalidInputError {
  override name = 'PayloadTooLargeError';
}

/** Read a whole request body, refusing (without buffering further) once it passes `maxBytes`. */
export async function readRequestBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new PayloadTooLargeError(`request body larger than ${maxBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
