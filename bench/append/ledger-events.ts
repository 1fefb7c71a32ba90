import { randomUUID } from 'node:crypto';

/**
 * What every subject appends: a ledger deposit, the same shape and the same
 * size (fixed-width fields) for all of them, so that no subject is handed
 * lighter rows than another.
 */
export type FundsDeposited = {
  /** UUID; the idempotency key. */
  eventId: string;
  type: 'ledger.FundsDeposited';
  schemaVersion: 1;
  data: {
    accountId: string;
    /** Minor units, as a string (STYLE.md: money is never a float). */
    amount: string;
    currency: string;
    reference: string;
  };
  metadata: {
    correlationId: string;
    causationId: string;
    principal: string;
  };
};

export const DEPOSIT_TYPE = 'ledger.FundsDeposited';

let sequence = 0;

/** `count` deposits by `writer` into one account, each with its own ids. */
export function fundsDeposited(count: number, writer: number, accountId: string): FundsDeposited[] {
  const correlationId = randomUUID();
  const principal = `bench-writer-${String(writer).padStart(3, '0')}`;
  return Array.from({ length: count }, () => {
    const eventId = randomUUID();
    sequence++;
    return {
      eventId,
      type: DEPOSIT_TYPE,
      schemaVersion: 1,
      data: {
        accountId,
        amount: '1250',
        currency: 'EUR',
        reference: `dep-${String(sequence % 1e12).padStart(12, '0')}`,
      },
      metadata: { correlationId, causationId: correlationId, principal },
    };
  });
}
