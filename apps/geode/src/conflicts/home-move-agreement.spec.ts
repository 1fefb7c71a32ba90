import { foldAccountStream, HOME_MOVE_EVENT_TYPE as LEDGER_HOME_MOVE } from '@geode/ledger';
import { HOME_MOVE_EVENT_TYPE, readHomeMove } from '@geode/merge';

const opened = {
  eventId: '00000000-0000-4000-8000-000000000001',
  type: 'ledger.AccountOpened',
  schemaVersion: 1,
  data: {
    accountId: 'a1',
    at: '2026-01-01T00:00:00.000Z',
    ownerName: 'Ada',
    ownerEmail: null,
    currency: 'EUR',
    residency: null,
    homeRegion: 'eu-west-1',
  },
  dot: { region: 'eu-west-1', n: 1 },
  deps: {},
  hlc: { wallMs: 1, logical: 0 },
};
const good = {
  streamId: 'account-a1',
  from: 'eu-west-1',
  to: 'us-east-1',
  reason: 'eu-west-1 is down',
  operator: 'ops',
};

/** The ledger folds moves without importing the platform: both must read the same moves. */
describe('the ledger and the merge platform agree on home-region moves', () => {
  it('name the same event type', () => expect(LEDGER_HOME_MOVE).toBe(HOME_MOVE_EVENT_TYPE));

  it.each([
    ['a good move', good, 1],
    ['a newer schema', good, 2],
    ['an extra field', { ...good, extra: true }, 1],
    ['a missing reason', { ...good, reason: undefined }, 1],
    ['a blank operator', { ...good, operator: '  ' }, 1],
    ['the same region twice', { ...good, to: 'eu-west-1' }, 1],
    ['an upper-case region', { ...good, to: 'US-EAST-1' }, 1],
    ['a long reason', { ...good, reason: 'x'.repeat(2_001) }, 1],
    ['a long reason once trimmed', { ...good, reason: ` ${'x'.repeat(1_999)}  ` }, 1],
    ['no stream id', { ...good, streamId: '' }, 1],
  ])('%s', (_, data, schemaVersion) => {
    const present = Object.fromEntries(Object.entries(data).filter(([, v]) => v !== undefined));
    const platform = readHomeMove(HOME_MOVE_EVENT_TYPE, schemaVersion, present);
    const state = foldAccountStream([
      opened,
      {
        eventId: '00000000-0000-4000-8000-000000000002',
        type: HOME_MOVE_EVENT_TYPE,
        schemaVersion,
        data: present,
        dot: { region: 'us-east-1', n: 1 },
        deps: { 'eu-west-1': 1 },
        hlc: { wallMs: 2, logical: 0 },
      },
    ]);
    const folded = state.status === 'not-opened' ? null : state.homeRegion;
    expect(folded).toBe(platform.ok ? platform.record.to : 'eu-west-1');
  });
});
