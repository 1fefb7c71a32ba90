import type { IncomingHttpHeaders } from 'node:http';

/** The largest refusal the router reads before deciding; problem documents are a few hundred bytes. */
const MAX_HELD_BYTES = 64 * 1024;

/**
 * A geode's `409` problem answer, held back instead of streamed: the router
 * reads it to learn an account's residency or to see that a session token
 * was not satisfied, and then either tries another geode or passes it on.
 */
export class HeldAnswer {
  private readonly chunks: Buffer[] = [];
  private size = 0;

  constructor(
    readonly statusCode: number,
    readonly headers: IncomingHttpHeaders,
  ) {}

  /** False once the answer is longer than any problem document has reason to be. */
  add(chunk: Buffer): boolean {
    this.size += chunk.length;
    if (this.size > MAX_HELD_BYTES) return false;
    this.chunks.push(chunk);
    return true;
  }

  get body(): Buffer {
    return Buffer.concat(this.chunks);
  }

  /** The problem's members, or `undefined` when the body is not a JSON object. */
  problem(): Record<string, unknown> | undefined {
    try {
      const json: unknown = JSON.parse(this.body.toString('utf8'));
      return json !== null && typeof json === 'object' && !Array.isArray(json)
        ? (json as Record<string, unknown>)
        : undefined;
    } catch {
      return undefined;
    }
  }
}

export function isProblemAnswer(headers: IncomingHttpHeaders): boolean {
  const type = headers['content-type'];
  return typeof type === 'string' && type.startsWith('application/problem+json');
}
