import { isUtf8 } from 'node:buffer';
import type { Response } from 'express';

/** A response as it is about to go out. */
export interface CapturedResponse {
  status: number;
  /** The kept headers that were set, by lower-case name. */
  headers: Record<string, string | string[]>;
  /** The body text; `undefined` when it is not UTF-8 text or is larger than allowed. */
  body: string | undefined;
}

/**
 * Calls `beforeEnd` with the response this request is about to send — as it
 * goes out, whether a handler's result or an exception filter's problem — and
 * ends it only once `beforeEnd` settles: the answer is recorded before the
 * client sees it, so a retry sent after it is replayed, not told "in
 * progress". Only the end is held back (Nest and Express write an answer with
 * one `end`); chunks written before it are collected.
 */
export function captureResponse(
  res: Response,
  options: { keepHeaders: readonly string[]; maxBodyBytes: number },
  beforeEnd: (response: CapturedResponse) => Promise<void>,
): void {
  // Restored as they are, and only ever called with `this` (Reflect.apply).
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const originalWrite = res.write;
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const originalEnd = res.end;
  const chunks: Buffer[] = [];
  let size = 0;
  let keepable = true;

  const collect = (chunk: unknown, encoding: unknown): void => {
    if (chunk === undefined || chunk === null || typeof chunk === 'function' || !keepable) return;
    let buffer: Buffer;
    if (typeof chunk === 'string') {
      buffer = Buffer.from(
        chunk,
        typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8',
      );
    } else if (chunk instanceof Uint8Array) {
      buffer = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    } else {
      keepable = false;
      return;
    }
    size += buffer.length;
    if (size > options.maxBodyBytes) {
      keepable = false;
      chunks.length = 0;
      return;
    }
    chunks.push(buffer);
  };

  res.write = function (this: Response, ...args: unknown[]): boolean {
    collect(args[0], args[1]);
    return Reflect.apply(originalWrite, this, args) as boolean;
  } as Response['write'];

  res.end = function (this: Response, ...args: unknown[]): Response {
    res.write = originalWrite;
    res.end = originalEnd;
    collect(args[0], args[1]);
    const body = Buffer.concat(chunks);
    const captured: CapturedResponse = {
      status: this.statusCode,
      headers: pickHeaders(this, options.keepHeaders),
      body: keepable && isUtf8(body) ? body.toString('utf8') : undefined,
    };
    const end = (): void => void Reflect.apply(originalEnd, this, args);
    beforeEnd(captured).then(end, end);
    return this;
  } as Response['end'];
}

function pickHeaders(res: Response, names: readonly string[]): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (const name of names) {
    const value = res.getHeader(name);
    if (value !== undefined) headers[name] = Array.isArray(value) ? value : String(value);
  }
  return headers;
}
