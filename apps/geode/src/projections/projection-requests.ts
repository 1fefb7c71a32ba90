import { z } from 'zod';
import type { LogCheckpoint } from '@geode/event-store';
import { isLogCheckpoint, type ResetTarget } from '@geode/projections';
import { ProblemException } from '@geode/problem-details';
import { parseBody } from '../accounts/account-requests';

/** `{ to: 'start' }` or `{ to: { txId: '812', position: 4711 } }` (a checkpoint as listed). */
export const resetBody = z.strictObject({
  to: z.union([
    z.literal('start'),
    z.strictObject({
      txId: z.string().regex(/^(0|[1-9]\d{0,19})$/, 'must be a decimal transaction id'),
      position: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    }),
  ]),
});

export function parseResetTarget(body: unknown): ResetTarget {
  const { to } = parseBody(resetBody, body);
  if (to === 'start') return 'start';
  if (!isLogCheckpoint(to))
    throw new ProblemException(400, 'validation', 'to: not a log checkpoint', { field: 'to' });
  return to;
}

/** `?after=<txId>:<position>&limit=n` of the dead-letter list. */
export function parsePage(
  after: unknown,
  limit: unknown,
): { after?: LogCheckpoint; limit?: number } {
  const page: { after?: LogCheckpoint; limit?: number } = {};
  if (after !== undefined) {
    const match = typeof after === 'string' ? /^(0|[1-9]\d{0,19}):(\d{1,16})$/.exec(after) : null;
    const checkpoint = match && { txId: match[1], position: Number(match[2]) };
    if (!checkpoint || !isLogCheckpoint(checkpoint))
      throw new ProblemException(400, 'validation', 'after: expected <txId>:<position>', {
        field: 'after',
      });
    page.after = checkpoint;
  }
  if (limit !== undefined) {
    const n = typeof limit === 'string' && /^\d{1,4}$/.test(limit) ? Number(limit) : NaN;
    if (!(n >= 1 && n <= 1_000))
      throw new ProblemException(400, 'validation', 'limit: a whole number from 1 to 1000', {
        field: 'limit',
      });
    page.limit = n;
  }
  return page;
}
