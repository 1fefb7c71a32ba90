import { ProblemException } from '@geode/problem-details';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

/** One page of a list and the opaque cursor of the next (`null` on the last page). */
export interface Page<Item> {
  items: Item[];
  nextCursor: string | null;
}

/** What a cursor points after; the kind keeps one list's cursor out of another. */
export type CursorKind = 'accounts' | 'entries';

const CURSOR_VERSION = 1;

/**
 * Cursors are opaque to clients: base64url JSON of the last key a page
 * returned (keyset pagination, stable while rows are added).
 */
export function encodeCursor(kind: CursorKind, key: string): string {
  return Buffer.from(JSON.stringify({ v: CURSOR_VERSION, k: kind, after: key }), 'utf8').toString(
    'base64url',
  );
}

/** The key a cursor points after; 400 `validation` for anything this code did not write. */
export function decodeCursor(
  kind: CursorKind,
  cursor: string | undefined | null,
  isKey: (key: string) => boolean,
): string | null {
  if (cursor === undefined || cursor === null || cursor === '') return null;
  const refuse = () =>
    new ProblemException(400, 'validation', `cursor is not a cursor of this list`, {
      field: 'cursor',
    });
  if (typeof cursor !== 'string' || cursor.length > 1_000 || !/^[A-Za-z0-9_-]+$/.test(cursor))
    throw refuse();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw refuse();
  }
  const { v, k, after } = (parsed ?? {}) as { v?: unknown; k?: unknown; after?: unknown };
  if (v !== CURSOR_VERSION || k !== kind || typeof after !== 'string' || !isKey(after))
    throw refuse();
  return after;
}

/** A page size from a query string or a GraphQL argument: 1–500, default 50. */
export function parsePageSize(limit: unknown, field = 'limit'): number {
  if (limit === undefined || limit === null || limit === '') return DEFAULT_PAGE_SIZE;
  const text = typeof limit === 'number' ? String(limit) : limit;
  if (
    typeof text !== 'string' ||
    !/^\d{1,6}$/.test(text) ||
    Number(text) < 1 ||
    Number(text) > MAX_PAGE_SIZE
  )
    throw new ProblemException(
      400,
      'validation',
      `${field} must be a whole number from 1 to ${MAX_PAGE_SIZE}`,
      { field },
    );
  return Number(text);
}
