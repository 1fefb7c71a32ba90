import * as ledger from '@geode/ledger';
import { expectRefusal } from './testing/decider-specification';

// What other modules import goes through the path alias and this index.
describe('@geode/ledger', () => {
  it('offers the decider, the transfer decider and the event registry', () => {
    expect(ledger.accountDecider).toEqual({
      decide: ledger.decide,
      evolve: ledger.evolve,
      initialState: ledger.initialState,
    });
    expect(typeof ledger.decideTransfer).toBe('function');
    expect(typeof ledger.parseAccountEvent).toBe('function');
    expect(ledger.ACCOUNT_EVENT_TYPES).toHaveLength(11);
  });

  it('offers money, currencies and errors', () => {
    expect(ledger.parseMinorUnits('1250')).toEqual({ ok: true, value: 1250n });
    expect(ledger.isCurrencyCode('EUR')).toBe(true);
    const error = new ledger.LedgerError('not-found', 'account x does not exist');
    expect(ledger.isLedgerError(error)).toBe(true);
    expect(ledger.isLedgerError(error, 'not-found')).toBe(true);
    expect(ledger.isLedgerError(error, 'validation')).toBe(false);
    expect(ledger.isLedgerError(new Error('x'))).toBe(false);
  });

  it('refuses commands whose metadata is missing altogether (untyped callers)', () => {
    const state = ledger.initialState();
    const open = { type: 'OpenAccount', data: {}, metadata: undefined };
    expectRefusal(
      () => ledger.decide(open as unknown as ledger.AccountCommand, state),
      'validation',
      /^metadata must hold eventId, at and region$/,
    );
    const transfer = { type: 'TransferFunds', data: {}, metadata: { at: 'x' } };
    expectRefusal(
      () => ledger.decideTransfer(transfer as unknown as ledger.TransferFunds, state, state),
      'validation',
      /^metadata must hold eventIds/,
    );
  });
});
