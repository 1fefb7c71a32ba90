import { foldAccountStream, HOME_MOVE_EVENT_TYPE, type AccountStreamEvent } from './canonical-fold';
import type { OpenedAccount } from './account-state';

let counter = 0;
const id = () => `00000000-0000-4000-8000-${String(++counter).padStart(12, '0')}`;
const at = '2026-01-01T00:00:00.000Z';
const ev = (
  region: string,
  n: number,
  deps: Record<string, number>,
  wallMs: number,
  type: string,
  data: Record<string, unknown>,
  schemaVersion = 1,
): AccountStreamEvent => ({
  eventId: id(),
  type,
  schemaVersion,
  data,
  dot: { region, n },
  deps,
  hlc: { wallMs, logical: 0 },
});
const opened = ev('eu', 1, {}, 1, 'ledger.AccountOpened', {
  accountId: 'a1',
  at,
  ownerName: 'Ada',
  ownerEmail: null,
  currency: 'EUR',
  residency: null,
  homeRegion: 'eu',
});
const deposited = ev('eu', 2, { eu: 1 }, 2, 'ledger.FundsDeposited', {
  accountId: 'a1',
  at,
  amount: '100',
});
const move = (region: string, n: number, wallMs: number, to: string, deps = { eu: 2 }) =>
  ev(region, n, deps, wallMs, HOME_MOVE_EVENT_TYPE, {
    streamId: 'account-a1',
    from: 'eu',
    to,
    reason: 'eu is down',
    operator: 'ops',
  });

const fold = (events: AccountStreamEvent[]) => foldAccountStream(events) as OpenedAccount;

describe('home-region moves in the canonical fold', () => {
  it('the last move in canonical order names the home; money and status do not move', () => {
    const state = fold([opened, deposited, move('us', 1, 10, 'us')]);
    expect(state).toMatchObject({ homeRegion: 'us', balance: 100n, status: 'open' });
  });

  it('concurrent moves: every arrival order folds to the same home', () => {
    const toUs = move('us', 1, 10, 'us');
    const toAp = move('ap', 1, 11, 'ap');
    for (const events of [
      [opened, deposited, toUs, toAp],
      [toAp, opened, toUs, deposited],
      [deposited, toAp, toUs, opened],
    ])
      expect(fold(events).homeRegion).toBe('ap');
  });

  it('an unreadable move (bad region, unknown version) is ignored, even on the command side', () => {
    const bad = ev('us', 1, { eu: 2 }, 10, HOME_MOVE_EVENT_TYPE, {
      from: 'eu',
      to: 'Not A Region',
    });
    const future = { ...move('us', 2, 11, 'us'), schemaVersion: 2 };
    const state = foldAccountStream([opened, deposited, bad, future], { onUnreadable: 'throw' });
    expect(state).toMatchObject({ homeRegion: 'eu', balance: 100n });
  });
});
