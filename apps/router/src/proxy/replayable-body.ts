import { Readable } from 'node:stream';

/**
 * A request body streamed to the geode as it arrives, with a copy kept (up
 * to `limit` bytes) so that it can be sent again to another geode when the
 * first one fails or refuses before answering. Bodies larger than the limit
 * still stream; they just cannot be sent twice. Every consumer reads through
 * one shared pull, so a consumer that is abandoned mid-way and the next one
 * never race for the client's bytes.
 */
export class ReplayableBody {
  private chunks: Buffer[] = [];
  /** Index (over the whole body) of `chunks[0]`: chunks before it were let go past the limit. */
  private base = 0;
  private size = 0;
  private ended = false;
  private pulling: Promise<void> | undefined;
  private readonly source: AsyncIterator<Buffer>;

  constructor(
    source: Readable,
    private readonly limit: number,
  ) {
    this.source = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  }

  /** The whole body can still be produced from its start. */
  get replayable(): boolean {
    return this.base === 0;
  }

  /** A fresh stream of the body from its first byte (only while `replayable`). */
  stream(): Readable {
    if (!this.replayable) throw new Error('the body was larger than the replay limit');
    return Readable.from(this.read(), { objectMode: false });
  }

  private async *read(): AsyncGenerator<Buffer> {
    let index = 0;
    for (;;) {
      if (index < this.base) throw new Error('the body was larger than the replay limit');
      if (index - this.base < this.chunks.length) {
        yield this.chunks[index - this.base];
        index += 1;
        continue;
      }
      if (this.ended) return;
      await this.pull();
    }
  }

  private pull(): Promise<void> {
    this.pulling ??= this.source.next().then(
      (result) => {
        this.pulling = undefined;
        if (result.done) this.ended = true;
        else this.keep(result.value);
      },
      (error: unknown) => {
        this.pulling = undefined;
        throw error;
      },
    );
    return this.pulling;
  }

  private keep(chunk: Buffer): void {
    this.size += chunk.length;
    if (this.size > this.limit) {
      // Past the limit: keep only what the current reader has not had yet.
      this.base += this.chunks.length;
      this.chunks = [];
    }
    this.chunks.push(chunk);
  }
}
