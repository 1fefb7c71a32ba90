/** A line longer than the reader allows; the peer is refused rather than buffered without end. */
export class FrameTooLarge extends Error {
  readonly code = 'frame-too-large';
}

/**
 * Splits a byte stream into lines, holding at most `maxLineBytes` of an
 * unfinished line in memory.
 */
export async function* ndjsonLines(
  chunks: AsyncIterable<Buffer>,
  maxLineBytes: number,
): AsyncGenerator<string> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const chunk of chunks) {
    let start = 0;
    for (;;) {
      const end = chunk.indexOf(0x0a, start);
      if (end === -1) break;
      const piece = chunk.subarray(start, end);
      if (pendingBytes + piece.length > maxLineBytes) {
        throw new FrameTooLarge(`a frame is longer than ${maxLineBytes} bytes`);
      }
      const line = pending.length ? Buffer.concat([...pending, piece]) : piece;
      pending = [];
      pendingBytes = 0;
      if (line.length) yield line.toString('utf8');
      start = end + 1;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      pendingBytes += rest.length;
      if (pendingBytes > maxLineBytes) {
        throw new FrameTooLarge(`a frame is longer than ${maxLineBytes} bytes`);
      }
      pending.push(rest);
    }
  }
  if (pendingBytes) throw new FrameTooLarge('the feed ended inside a frame');
}
