import type { IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';

/** A request the router refuses before routing: a 4xx problem, never forwarded. */
export class RefusedRequest extends Error {
  override readonly name = 'RefusedRequest';
  constructor(
    readonly status: number,
    readonly type: string,
    detail: string,
  ) {
    super(detail);
  }
}

/** Headers that must appear at most once: a second copy is how smuggling and spoofing start. */
const SINGLETON_HEADERS = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'cf-ipcountry',
  'x-client-region',
  'geode-session',
  'idempotency-key',
  'x-correlation-id',
  'authorization',
]);

/** TRACE echoes headers back (cross-site tracing); CONNECT tunnels are not a reverse proxy's job. */
const REFUSED_METHODS = new Set(['TRACE', 'CONNECT']);

/**
 * What Node's parser leaves to us (it already refuses malformed request
 * lines and header syntax, conflicting Content-Length and Transfer-Encoding,
 * and headers over the size limit).
 */
export function checkRequest(req: IncomingMessage): void {
  if (REFUSED_METHODS.has(req.method ?? ''))
    throw new RefusedRequest(405, 'method-not-allowed', `${req.method} is not served`);
  const raw = req.rawHeaders;
  let seen: Set<string> | undefined;
  for (let index = 0; index < raw.length; index += 2) {
    const name = raw[index].toLowerCase();
    if (!SINGLETON_HEADERS.has(name)) continue;
    seen ??= new Set();
    if (seen.has(name))
      throw new RefusedRequest(400, 'invalid-header', `${raw[index]} appears more than once`);
    seen.add(name);
  }
}

const SANE_CORRELATION_ID = /^[\w.:-]{1,128}$/;

/** The caller's `X-Correlation-Id` when it is sane (the geodes use the same rule), else a fresh one. */
export function correlationIdOf(req: IncomingMessage): string {
  const given = req.headers['x-correlation-id'];
  return typeof given === 'string' && SANE_CORRELATION_ID.test(given) ? given : randomUUID();
}
