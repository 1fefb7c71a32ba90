import { accountDecider } from '../account/account-decider';
import { fold } from '../account/evolve';
import type { TransferDecision, TransferFunds } from '../commands/transfer-funds';
import { decideTransfer } from '../commands/transfer-funds';
import type { AccountEvent } from '../events/account-event';
import { parseAccountEvent, toEventRecord } from '../events/account-event-registry';
import type { LedgerError, LedgerErrorCode } from '../shared/ledger-error';
import { deciderSpecification, expectRefusal } from './decider-specification';

/**
 * Every event a test gives or a decider emits must be storable: it goes to the
 * store's JSON form and reads back, through the registry, as the same event.
 */
export function expectStorable(event: AccountEvent): void {
  const record = toEventRecord(event);
  expect(JSON.parse(JSON.stringify(record))).toEqual(record);
  expect(parseAccountEvent(record)).toEqual({ ok: true, value: event });
}

/** `given(events).when(command).then(events)` for one account stream. */
export const given = deciderSpecification(accountDecider, { checkEvent: expectStorable });

/** The same for transfers, which read two streams and write to both. */
export function givenAccounts(history: {
  from: readonly AccountEvent[];
  to: readonly AccountEvent[];
}) {
  [...history.from, ...history.to].forEach(expectStorable);
  const fromState = fold(history.from);
  const toState = fold(history.to);
  return {
    when: (command: TransferFunds) => ({
      then(expected: TransferDecision): TransferDecision {
        const decided = decideTransfer(command, fromState, toState);
        expect(decided).toEqual(expected);
        expect(decideTransfer(command, fromState, toState)).toEqual(decided);
        [...decided.from, ...decided.to].forEach(expectStorable);
        return decided;
      },
      thenFails(code: LedgerErrorCode, message?: string | RegExp): LedgerError {
        return expectRefusal(() => decideTransfer(command, fromState, toState), code, message);
      },
    }),
  };
}
