import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

/**
 * Headers that describe one connection, not the message (RFC 9110 §7.6.1),
 * plus the ones the router sets itself. Never passed through.
 */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

const SET_BY_ROUTER_ON_REQUESTS = new Set([
  ...HOP_BY_HOP,
  // Node's server has already answered 100 Continue; the geode gets the body straight away.
  'expect',
  'host',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'forwarded',
  'x-correlation-id',
]);

export interface ForwardedFacts {
  clientAddress: string;
  /** The caller's own X-Forwarded-For, kept only when the router trusts the hop before it. */
  priorForwardedFor?: string;
  proto: string;
  host?: string;
  correlationId: string;
}

/**
 * The request headers to send upstream, as a flat `[name, value, …]` list
 * (kept in the client's order and spelling; repeated headers stay repeated).
 */
export function upstreamRequestHeaders(
  rawHeaders: readonly string[],
  facts: ForwardedFacts,
): string[] {
  const named = connectionNamed(rawHeaders);
  const out: string[] = [];
  for (let index = 0; index < rawHeaders.length; index += 2) {
    const name = rawHeaders[index];
    const lower = name.toLowerCase();
    if (SET_BY_ROUTER_ON_REQUESTS.has(lower) || named?.has(lower)) continue;
    out.push(name, rawHeaders[index + 1]);
  }
  out.push(
    'x-forwarded-for',
    facts.priorForwardedFor
      ? `${facts.priorForwardedFor}, ${facts.clientAddress}`
      : facts.clientAddress,
    'x-forwarded-proto',
    facts.proto,
    'x-correlation-id',
    facts.correlationId,
  );
  if (facts.host !== undefined) out.push('x-forwarded-host', facts.host);
  return out;
}

/**
 * The response headers to send to the client: the geode's, minus hop-by-hop
 * ones, plus `Geode-Region` and the request's correlation id (the geode's own
 * copy, when it sends one, wins).
 */
export function clientResponseHeaders(
  headers: IncomingHttpHeaders,
  region: string,
  correlationId?: string,
): OutgoingHttpHeaders {
  const connection = headers.connection;
  // Geodes say `Connection: keep-alive`, which names no other header: skip the parse.
  const named =
    connection === undefined || connection === 'keep-alive' || connection === 'close'
      ? undefined
      : tokens(connection);
  const out: OutgoingHttpHeaders =
    correlationId === undefined ? {} : { 'x-correlation-id': correlationId };
  for (const name in headers) {
    if (HOP_BY_HOP.has(name) || named?.has(name)) continue;
    out[name] = headers[name];
  }
  out['geode-region'] = region;
  return out;
}

/** Headers a `Connection` header names are hop-by-hop too. */
function connectionNamed(rawHeaders: readonly string[]): Set<string> | undefined {
  let named: Set<string> | undefined;
  for (let index = 0; index < rawHeaders.length; index += 2) {
    if (rawHeaders[index].length === 10 && rawHeaders[index].toLowerCase() === 'connection') {
      for (const token of tokens(rawHeaders[index + 1])) (named ??= new Set()).add(token);
    }
  }
  return named;
}

function tokens(value: string | string[]): Set<string> {
  const text = Array.isArray(value) ? value.join(',') : value;
  return new Set(
    text
      .split(',')
      .map((token) => token.trim().toLowerCase())
      .filter((token) => token !== '' && token !== 'close' && token !== 'keep-alive'),
  );
}
