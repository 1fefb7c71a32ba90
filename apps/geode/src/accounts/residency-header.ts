import type { Response } from 'express';

/**
 * The router's residency hint (ADR 0011): on an answer about one account (the
 * account of the path, or of a 201's `Location`), the regions allowed to hold
 * it, or `*` when unrestricted. Set only where the answer already knows the
 * account's residency, so it never costs a query.
 */
export const RESIDENCY_HEADER = 'Geode-Residency';

/** `undefined`: this answer does not know the residency; no header. */
export function setResidencyHeader(
  res: Response,
  residency: readonly string[] | null | undefined,
): void {
  if (residency === undefined) return;
  res.setHeader(RESIDENCY_HEADER, residency === null ? '*' : residency.join(', '));
}
