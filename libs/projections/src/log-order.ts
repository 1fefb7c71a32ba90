import type { LogCheckpoint } from '@geode/event-store';

/** Orders two checkpoints as the log does (ADR 0004): by transaction id, then position. */
export function compareCheckpoints(a: LogCheckpoint, b: LogCheckpoint): number {
  const ta = BigInt(a.txId);
  const tb = BigInt(b.txId);
  if (ta !== tb) return ta < tb ? -1 : 1;
  return a.position === b.position ? 0 : a.position < b.position ? -1 : 1;
}

const TX_ID = /^(0|[1-9]\d{0,19})$/;

/** A checkpoint from outside (an HTTP body): a decimal xid8 and a safe non-negative position. */
export function isLogCheckpoint(value: unknown): value is LogCheckpoint {
  if (typeof value !== 'object' || value === null) return false;
  const { txId, position } = value as Record<string, unknown>;
  return (
    typeof txId === 'string' &&
    TX_ID.test(txId) &&
    BigInt(txId) < 2n ** 64n &&
    Number.isSafeInteger(position) &&
    (position as number) >= 0 &&
    Object.keys(value).length === 2
  );
}
