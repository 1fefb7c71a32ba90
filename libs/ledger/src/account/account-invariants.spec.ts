import fc from 'fast-check';
import type { AccountCommand } from '../commands/account-command';
import { decideTransfer, type TransferFunds } from '../commands/transfer-funds';
import type { AccountEvent } from '../events/account-event';
import { MAX_MINOR_UNITS } from '../money/minor-units';
import { LEDGER_ERROR_CODES, LedgerError } from '../shared/ledger-error';
import { expectStorable } from '../testing/account-specification';
import {
  ACCOUNT_ID,
  addTag,
  changeOwnerDetails,
  closeAccount,
  depositFunds,
  freezeAccount,
  OTHER_ACCOUNT_ID,
  openAccount,
  removeTag,
  transferFunds,
  unfreezeAccount,
  uuid,
  withdrawFunds,
} from '../testing/account-fixtures';
import type { AccountState } from './account-state';
import { decide } from './decide';
import { evolve, fold } from './evolve';

type Step =
  | { kind: 'deposit' | 'withdraw' | 'send' | 'receive'; amount: bigint }
  | { kind: 'retry-last-transfer' | 'freeze' | 'unfreeze' | 'close' }
  | { kind: 'add-tag' | 'remove-tag'; tag: string }
  | { kind: 'rename'; name: string };

// Mostly valid amounts, some refused ones (≤ 0, too large) to exercise refusals.
const amount = fc.oneof(
  { weight: 8, arbitrary: fc.bigInt({ min: 1n, max: 2_000n }) },
  { weight: 1, arbitrary: fc.bigInt({ min: -3n, max: 0n }) },
  { weight: 1, arbitrary: fc.constantFrom(MAX_MINOR_UNITS, MAX_MINOR_UNITS + 1n) },
);

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constantFrom('deposit', 'withdraw', 'send', 'receive'), amount }),
  fc.record({ kind: fc.constantFrom('retry-last-transfer', 'freeze', 'unfreeze', 'close') }),
  fc.record({
    kind: fc.constantFrom('add-tag', 'remove-tag'),
    tag: fc.constantFrom('a', 'b', 'c'),
  }),
  fc.record({ kind: fc.constant('rename'), name: fc.constantFrom('Ada', 'Ada King', ' Ada ') }),
);

/** Two accounts in one geode: the subject, and a counterparty for transfers. */
class World {
  readonly subject: AccountEvent[] = [];
  readonly counterparty: AccountEvent[] = [];
  subjectState: AccountState = fold([]);
  counterpartyState: AccountState = fold([]);
  private lastTransfer: { command: TransferFunds; moved: boolean } | null = null;
  private ids = 0;

  constructor() {
    this.decideOn('subject', openAccount({}, { eventId: this.nextId() }));
    this.decideOn(
      'counterparty',
      openAccount({ accountId: OTHER_ACCOUNT_ID }, { eventId: this.nextId() }),
    );
    this.decideOn(
      'counterparty',
      depositFunds(1_000_000n, { accountId: OTHER_ACCOUNT_ID }, { eventId: this.nextId() }),
    );
  }

  run(step: Step): void {
    const eventId = this.nextId();
    switch (step.kind) {
      case 'deposit':
        return this.decideOn('subject', depositFunds(step.amount, {}, { eventId }));
      case 'withdraw':
        return this.decideOn('subject', withdrawFunds(step.amount, {}, { eventId }));
      case 'freeze':
        return this.decideOn('subject', freezeAccount({}, { eventId }));
      case 'unfreeze':
        return this.decideOn('subject', unfreezeAccount({}, { eventId }));
      case 'close':
        return this.decideOn('subject', closeAccount({}, { eventId }));
      case 'add-tag':
        return this.decideOn('subject', addTag(step.tag, {}, { eventId }));
      case 'remove-tag':
        return this.decideOn('subject', removeTag(step.tag, {}, { eventId }));
      case 'rename':
        return this.decideOn('subject', changeOwnerDetails({ ownerName: step.name }, { eventId }));
      case 'send':
      case 'receive': {
        const [fromAccountId, toAccountId] =
          step.kind === 'send' ? [ACCOUNT_ID, OTHER_ACCOUNT_ID] : [OTHER_ACCOUNT_ID, ACCOUNT_ID];
        const command = transferFunds(
          step.amount,
          { transferId: `t-${eventId}`, fromAccountId, toAccountId },
          { eventIds: { sent: eventId, received: this.nextId() } },
        );
        return this.transfer(command);
      }
      case 'retry-last-transfer':
        if (this.lastTransfer !== null) this.transfer(this.lastTransfer.command);
        return;
    }
  }

  private decideOn(account: 'subject' | 'counterparty', command: AccountCommand): void {
    const state = account === 'subject' ? this.subjectState : this.counterpartyState;
    const events = refusedOrDecided(() => decide(command, state));
    if (events === null) return;
    expect(decide(command, state)).toEqual(events);
    this.append(account, events);
  }

  private transfer(command: TransferFunds): void {
    const sendsFromSubject = command.data.fromAccountId === ACCOUNT_ID;
    const [fromState, toState] = sendsFromSubject
      ? [this.subjectState, this.counterpartyState]
      : [this.counterpartyState, this.subjectState];
    const decision = refusedOrDecided(() => decideTransfer(command, fromState, toState));
    const retried = this.lastTransfer?.command === command;
    if (retried && this.lastTransfer?.moved) {
      expect(decision).toEqual({ from: [], to: [] });
    }
    if (decision === null) {
      if (!retried) this.lastTransfer = { command, moved: false };
      return;
    }
    expect(decideTransfer(command, fromState, toState)).toEqual(decision);
    this.append(sendsFromSubject ? 'subject' : 'counterparty', decision.from);
    this.append(sendsFromSubject ? 'counterparty' : 'subject', decision.to);
    this.lastTransfer = { command, moved: true };
  }

  private append(account: 'subject' | 'counterparty', events: readonly AccountEvent[]): void {
    events.forEach(expectStorable);
    if (account === 'subject') {
      this.subject.push(...events);
      this.subjectState = events.reduce(evolve, this.subjectState);
    } else {
      this.counterparty.push(...events);
      this.counterpartyState = events.reduce(evolve, this.counterpartyState);
    }
  }

  private nextId(): string {
    this.ids += 1;
    return uuid(this.ids);
  }
}

/** A refusal must be a `LedgerError` with a known code; anything else fails the property. */
function refusedOrDecided<T>(decision: () => T): T | null {
  try {
    return decision();
  } catch (error) {
    if (!(error instanceof LedgerError)) throw error;
    expect(LEDGER_ERROR_CODES).toContain(error.code);
    return null;
  }
}

/** What the stream says the balance is, counted from its events alone. */
function balanceFromEvents(events: readonly AccountEvent[]): bigint {
  let balance = 0n;
  for (const event of events) {
    switch (event.type) {
      case 'ledger.FundsDeposited':
      case 'ledger.TransferReceived':
        balance += BigInt(event.data.amount);
        break;
      case 'ledger.FundsWithdrawn':
      case 'ledger.TransferSent':
        balance -= BigInt(event.data.amount);
        break;
      default:
        break;
    }
  }
  return balance;
}

function balanceOf(state: AccountState): bigint {
  if (state.status === 'not-opened') throw new Error('account not opened');
  return state.balance;
}

describe('account invariants, for any sequence of commands', () => {
  it('balance = deposits − withdrawals + received − sent, never negative, and folding is deterministic', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        const world = new World();
        for (const next of steps) {
          world.run(next);
          expect(balanceOf(world.subjectState)).toBeGreaterThanOrEqual(0n);
        }

        const folded = fold(world.subject);
        expect(folded).toEqual(world.subjectState);
        expect(fold(world.subject)).toEqual(folded);
        expect(balanceOf(folded)).toBe(balanceFromEvents(world.subject));
        expect(balanceOf(fold(world.counterparty))).toBe(balanceFromEvents(world.counterparty));
        // Money only moves between the two accounts or in and out through the subject.
        const external = balanceFromEvents(
          world.subject.filter(
            (e) => e.type === 'ledger.FundsDeposited' || e.type === 'ledger.FundsWithdrawn',
          ),
        );
        expect(balanceOf(folded) + balanceOf(fold(world.counterparty))).toBe(1_000_000n + external);

        if (folded.status !== 'not-opened') {
          expect(folded.tags).toEqual([...new Set(folded.tags)].sort());
        }
      }),
      { numRuns: 300 },
    );
  });

  it('evolve is a pure function of (state, event): same events, same state, in any run', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 30 }), (steps) => {
        const first = new World();
        const second = new World();
        steps.forEach((s) => first.run(s));
        steps.forEach((s) => second.run(s));
        expect(second.subject).toEqual(first.subject);
        expect(fold(second.subject)).toEqual(fold(first.subject));
      }),
    );
  });
});
