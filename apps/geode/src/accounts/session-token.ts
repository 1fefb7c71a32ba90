import type { VersionVector } from '@geode/event-store';

/**
 * What a `Geode-Session` token says (DESIGN.md §5): a read that presents it
 * must be served by a geode that holds `event` (the last event of the write)
 * and whose knowledge covers `knowledge`. Holding an event of origin R implies
 * holding all of R before it (origins are applied in seq order). Clients treat
 * the token as opaque.
 */
export interface SessionToken {
  v: 1;
  /** The region that served the write. */
  region: string;
  knowledge: VersionVector;
  /** Last event written; absent when the write changed nothing. */
  event?: string;
}

export function encodeSessionToken(token: SessionToken): string {
  return Buffer.from(JSON.stringify(token), 'utf8').toString('base64url');
}

/** `undefined` for anything that is not a token this version wrote. */
export function decodeSessionToken(text: string): SessionToken | undefined {
  try {
    const token = JSON.parse(
      Buffer.from(text, 'base64url').toString('utf8'),
    ) as Partial<SessionToken>;
    if (token.v !== 1 || typeof token.region !== 'string' || typeof token.knowledge !== 'object')
      return undefined;
    return token as SessionToken;
  } catch {
    return undefined;
  }
}
