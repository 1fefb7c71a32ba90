import { createGunzip } from 'node:zlib';
import { pipeline, Readable, Transform } from 'node:stream';
import { request } from 'undici';
import type { VersionVector } from '@geode/event-store';
import type { PeerClientAuth } from '@geode/peer-auth';
import { ndjsonLines } from './ndjson-lines';
import { type FeedFrame, MAX_FRAME_BYTES, parseFeedFrame } from './wire-format';

export interface PeerEndpoint {
  region: string;
  /** Base URL of the peer geode, e.g. http://10.0.0.7:3000 */
  url: string;
}

/** The peer answered a request with something other than success (a problem, an auth refusal). */
export class PeerRequestFailed extends Error {
  readonly code = 'peer-request-failed';
  constructor(
    readonly status: number,
    detail: string,
  ) {
    super(`peer answered ${status}: ${detail}`);
  }
}

const PROBLEM_BYTES = 4_096;

function target(peer: PeerEndpoint, path: string): URL {
  return new URL(`${peer.url.replace(/\/+$/, '')}${path}`);
}

async function post(
  peer: PeerEndpoint,
  path: string,
  payload: unknown,
  auth: PeerClientAuth,
  options: { signal?: AbortSignal; bodyTimeout: number; accept?: string },
) {
  const url = target(peer, path);
  const body = Buffer.from(JSON.stringify(payload));
  return request(url, {
    method: 'POST',
    body,
    signal: options.signal,
    dispatcher: auth.dispatcher(peer.region),
    headersTimeout: options.bodyTimeout,
    bodyTimeout: options.bodyTimeout,
    headers: {
      'content-type': 'application/json',
      'accept-encoding': 'gzip',
      ...(options.accept && { accept: options.accept }),
      ...auth.sign({
        peerRegion: peer.region,
        method: 'POST',
        path: `${url.pathname}${url.search}`,
        body,
      }),
    },
  });
}

async function refusal(status: number, body: Readable): Promise<PeerRequestFailed> {
  let text = '';
  for await (const chunk of body) {
    if (text.length < PROBLEM_BYTES) text += (chunk as Buffer).toString('utf8');
  }
  let detail = text.slice(0, PROBLEM_BYTES);
  try {
    const problem = JSON.parse(text) as { detail?: unknown; type?: unknown };
    detail = [problem.type, problem.detail].filter((part) => typeof part === 'string').join(': ');
  } catch {
    // not a problem document: show the start of the text
  }
  return new PeerRequestFailed(status, detail || '(no body)');
}

/**
 * Opens the peer's feed after `vector` and yields its frames, parsed and
 * schema-checked. The stream ends with an error if no byte arrives for
 * `idleTimeoutMs` (the peer sends heartbeats far more often), so a dead link
 * is noticed even when TCP does not say so.
 */
export async function* openFeed(
  peer: PeerEndpoint,
  vector: VersionVector,
  auth: PeerClientAuth,
  options: { signal: AbortSignal; idleTimeoutMs: number; onBytes?: (bytes: number) => void },
): AsyncGenerator<FeedFrame> {
  const response = await post(peer, '/replication/v1/feed', { vector }, auth, {
    signal: options.signal,
    bodyTimeout: options.idleTimeoutMs,
    accept: 'application/x-ndjson',
  });
  if (response.statusCode !== 200) throw await refusal(response.statusCode, response.body);
  const encoding = String(response.headers['content-encoding'] ?? 'identity');
  if (encoding !== 'gzip' && encoding !== 'identity') {
    response.body.destroy();
    throw new PeerRequestFailed(200, `unsupported content-encoding ${encoding}`);
  }
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      options.onBytes?.(chunk.length);
      done(null, chunk);
    },
  });
  // pipeline destroys every stage on the first error, so the reader below sees it.
  const decoded: Readable =
    encoding === 'gzip'
      ? pipeline(response.body, counter, createGunzip(), () => undefined)
      : pipeline(response.body, counter, () => undefined);
  try {
    for await (const line of ndjsonLines(decoded, MAX_FRAME_BYTES)) {
      yield parseFeedFrame(line);
    }
  } finally {
    response.body.destroy();
    decoded.destroy();
  }
}

/** Tells the peer what this geode now holds (its acknowledgement). */
export async function sendAck(
  peer: PeerEndpoint,
  vector: VersionVector,
  auth: PeerClientAuth,
  timeoutMs: number,
): Promise<void> {
  const response = await post(peer, '/replication/v1/ack', { vector }, auth, {
    bodyTimeout: timeoutMs,
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (response.statusCode !== 204 && response.statusCode !== 200) {
    throw await refusal(response.statusCode, response.body);
  }
  await response.body.dump();
}
