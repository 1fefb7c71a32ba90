import { Readable } from 'node:stream';
import { FrameTooLarge, ndjsonLines } from './ndjson-lines';

/** The parts as a byte stream, one chunk each. */
const chunks = (...parts: string[]): AsyncIterable<Buffer> =>
  Readable.from(
    parts.map((part) => Buffer.from(part)),
    { objectMode: true },
  );

async function collect(source: AsyncIterable<string>): Promise<string[]> {
  const lines: string[] = [];
  for await (const line of source) lines.push(line);
  return lines;
}

describe('ndjsonLines', () => {
  it('yields whole lines however the bytes are chunked, skipping empty ones', async () => {
    expect(
      await collect(ndjsonLines(chunks('{"a":1}\n{"b"', ':2}\n\n{"c":', '3}\n'), 100)),
    ).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
  });

  it('keeps multi-byte characters split across chunks intact', async () => {
    const bytes = Buffer.from('"é€"\n');
    const split = Readable.from([bytes.subarray(0, 2), bytes.subarray(2)], { objectMode: true });
    expect(await collect(ndjsonLines(split, 100))).toEqual(['"é€"']);
  });

  it('refuses a line longer than the limit, within one chunk or across several', async () => {
    await expect(collect(ndjsonLines(chunks('x'.repeat(11), '\n'), 10))).rejects.toThrow(
      FrameTooLarge,
    );
    await expect(collect(ndjsonLines(chunks('xxxxxx', 'xxxxxx\n'), 10))).rejects.toThrow(
      FrameTooLarge,
    );
    await expect(collect(ndjsonLines(chunks(`${'x'.repeat(11)}\n`), 10))).rejects.toThrow(
      FrameTooLarge,
    );
  });

  it('refuses a stream that ends inside a frame', async () => {
    await expect(collect(ndjsonLines(chunks('{"a":1}\n{"b"'), 100))).rejects.toThrow(
      /ended inside a frame/,
    );
  });
});
