import { createHash } from 'node:crypto';

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
export const IDEMPOTENT_REPLAYED_HEADER = 'idempotent-replayed';

/** Methods whose requests honour `Idempotency-Key` (GET and PUT are idempotent already). */
export const KEYED_METHODS: ReadonlySet<string> = new Set(['POST', 'PATCH', 'DELETE']);

/** Deeper bodies have no canonical form here (the event store draws the line at the same depth). */
export const MAX_CANONICAL_DEPTH = 200;

const KEY_PATTERN = /^[\x20-\x7e]{1,200}$/;

/** A request body that cannot be hashed; answered as a 400. */
export class UnhashableBodyError extends Error {
  override readonly name = 'UnhashableBodyError';
}

/**
 * The key a client sent, or `undefined` when it sent none; `null` when the
 * header is there but is not 1–200 printable ASCII characters. Node trims the
 * value and joins repeated headers with ", ", so a repeated key is one key.
 */
export function readIdempotencyKey(
  header: string | string[] | undefined,
): string | undefined | null {
  if (header === undefined) return undefined;
  return typeof header === 'string' && KEY_PATTERN.test(header) ? header : null;
}

/**
 * Where a key is unique: per method and route pattern (`/v1/accounts/:id/deposits`),
 * so the same key on another endpoint is another request. The key goes last:
 * it is the only part that may hold spaces.
 */
export function idempotencyScope(method: string, routePath: string, key: string): string {
  return `${method} ${routePath} ${key}`;
}

/**
 * SHA-256 over the method, the path as sent (with its query) and the
 * canonical body (see `canonicalBodyText`), so a retry that differs only in
 * whitespace or member order is the same request.
 */
export function requestHash(method: string, path: string, body: unknown): Buffer {
  return createHash('sha256')
    .update(`${method}\n${path}\n${canonicalBodyText(body)}`, 'utf8')
    .digest();
}

/**
 * The parsed body as JSON text with object members sorted by key at every
 * level (arrays keep their order) and no whitespace; the empty string when
 * there is no body. Numbers are as JavaScript read them, so two spellings of
 * one double (`1.0`, `1`) are the same body.
 */
export function canonicalBodyText(body: unknown): string {
  return body === undefined ? '' : encode(body, 0);
}

function encode(value: unknown, depth: number): string {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value) ?? 'null';
  if (depth >= MAX_CANONICAL_DEPTH)
    throw new UnhashableBodyError(
      `request body nests more than ${MAX_CANONICAL_DEPTH} levels deep`,
    );
  if (Array.isArray(value)) return `[${value.map((item) => encode(item, depth + 1)).join(',')}]`;
  const object = value as Record<string, unknown>;
  const members = Object.keys(object)
    .sort()
    .filter((key) => object[key] !== undefined)
    .map((key) => `${JSON.stringify(key)}:${encode(object[key], depth + 1)}`);
  return `{${members.join(',')}}`;
}
