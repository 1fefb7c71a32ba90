import { createHash, randomUUID } from 'node:crypto';
import type { Request } from 'express';

const SCOPE = Symbol('idempotency-scope');
type ScopedRequest = Request & { [SCOPE]?: string };

/** Set by the idempotency interceptor on a request that carries an `Idempotency-Key`. */
export function setIdempotencyScope(req: Request, scope: string): void {
  (req as ScopedRequest)[SCOPE] = scope;
}

/**
 * Ids for what a request creates (event ids, a new account's id). With an
 * `Idempotency-Key` they derive from its scope, so a retry that runs the
 * handler again (after a 5xx, or a claim taken over) writes the same event ids
 * and the store keeps one copy; without one they are random.
 */
export function requestIds(req: Request): (name: string) => string {
  const scope = (req as ScopedRequest)[SCOPE];
  return (name) => (scope === undefined ? randomUUID() : uuidFromName(`${scope}#${name}`));
}

/** A UUID (RFC 9562 version 8) derived from a name by SHA-256: same name, same id. */
export function uuidFromName(name: string): string {
  const bytes = createHash('sha256').update(name, 'utf8').digest().subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x80; // version 8
  bytes[8] = (bytes[8] & 0x3f) | 0x80; // variant 10
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
