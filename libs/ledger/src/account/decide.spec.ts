import type { AccountCommand } from '../commands/account-command';
import type { CommandMetadata } from '../commands/command';
import { given } from '../testing/account-specification';
import { expectRefusal } from '../testing/decider-specification';
import {
  accountOpened,
  addTag,
  changeOwnerDetails,
  closeAccount,
  depositFunds,
  freezeAccount,
  fundsDeposited,
  openAccount,
  removeTag,
  tagAdded,
  unfreezeAccount,
  withdrawFunds,
} from '../testing/account-fixtures';
import { accountDecider } from './account-decider';
import { decide } from './decide';
import { fold } from './evolve';

type CommandFactory = (metadata: Partial<CommandMetadata>) => AccountCommand;

/** Every single-stream command, on a state where it would succeed. */
const commands: [string, CommandFactory][] = [
  ['OpenAccount', (m) => openAccount({}, m)],
  ['DepositFunds', (m) => depositFunds(1n, {}, m)],
  ['WithdrawFunds', (m) => withdrawFunds(1n, {}, m)],
  ['FreezeAccount', (m) => freezeAccount({}, m)],
  ['UnfreezeAccount', (m) => unfreezeAccount({}, m)],
  ['CloseAccount', (m) => closeAccount({}, m)],
  ['ChangeOwnerDetails', (m) => changeOwnerDetails({ ownerName: 'Ada King' }, m)],
  ['AddTag', (m) => addTag('new', {}, m)],
  ['RemoveTag', (m) => removeTag('vip', {}, m)],
];

const history = (type: string) =>
  type === 'OpenAccount' ? [] : [accountOpened(), fundsDeposited('10'), tagAdded('vip')];

describe('decide', () => {
  describe.each(commands)('%s', (type, command) => {
    it.each<[string, Partial<CommandMetadata>, RegExp]>([
      ['an event id that is not a UUID', { eventId: 'evt-1' }, /^metadata.eventId must be a UUID/],
      [
        'a time that is not a UTC timestamp',
        { at: '2026-01-01 10:00' },
        /^metadata.at must be a UTC/,
      ],
      [
        'a region that is not a region id',
        { region: 'EU' },
        /^metadata.region must be a region id/,
      ],
    ])('refuses %s', (_case, metadata, message) => {
      // CloseAccount needs a zero balance; validation comes first anyway.
      given(history(type)).when(command(metadata)).thenFails('validation', message);
    });
  });

  it('refuses a command type it does not know (from an untyped caller)', () => {
    const unknown = { type: 'DeleteAccount', data: {}, metadata: {} } as unknown as AccountCommand;
    expectRefusal(
      () => decide(unknown, fold([accountOpened()])),
      'validation',
      /^unknown account command "DeleteAccount"$/,
    );
  });

  it('treats the state of another account as a bug in the caller, not a refusal', () => {
    const otherAccount = fold([accountOpened({ accountId: 'acc-2' })]);
    expect(() => decide(depositFunds(1n), otherAccount)).toThrow(
      'state of account acc-2 given for a command on account acc-1',
    );
  });

  it('is offered as one decider value', () => {
    expect(accountDecider.initialState()).toEqual({ status: 'not-opened' });
    const state = accountDecider.evolve(accountDecider.initialState(), accountOpened());
    expect(accountDecider.decide(depositFunds(7n), state)).toHaveLength(1);
  });
});
