import { Readable } from 'node:stream';
import { ReplayableBody } from './replayable-body';

async function text(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

describe('ReplayableBody', () => {
  it('streams the body and can stream it again from the start', async () => {
    const body = new ReplayableBody(Readable.from([Buffer.from('ab'), Buffer.from('cd')]), 10);
    expect(await text(body.stream())).toBe('abcd');
    expect(body.replayable).toBe(true);
    expect(await text(body.stream())).toBe('abcd');
  });

  it('gives a second reader everything when the first was abandoned mid-way', async () => {
    const body = new ReplayableBody(
      Readable.from(['a', 'b', 'c'].map((part) => Buffer.from(part))),
      10,
    );
    const first = body.stream();
    const iterator = first[Symbol.asyncIterator]();
    await iterator.next();
    first.destroy();
    expect(await text(body.stream())).toBe('abc');
  });

  it('still streams a body over the limit once, but cannot replay it', async () => {
    const body = new ReplayableBody(
      Readable.from(['aaaa', 'bbbb', 'cccc'].map((part) => Buffer.from(part))),
      6,
    );
    expect(await text(body.stream())).toBe('aaaabbbbcccc');
    expect(body.replayable).toBe(false);
    expect(() => body.stream()).toThrow('larger than the replay limit');
  });
});
