import fc from 'fast-check';
import { detectFork } from './fork-detection';
import {
  HOME_MOVE_EVENT_TYPE,
  mergeAuthority,
  pendingMoves,
  readHomeMove,
  type MoveEvent,
} from './home-move';

const STREAM = 'account-a1';
let counter = 0;
const id = () => `00000000-0000-4000-8000-${String(++counter).padStart(12, '0')}`;
const ev = (
  region: string,
  n: number,
  deps: Record<string, number>,
  wallMs: number,
  type = 'ledger.FundsWithdrawn',
  data: unknown = {},
): MoveEvent => ({
  eventId: id(),
  type,
  schemaVersion: 1,
  data,
  dot: { region, n },
  deps,
  hlc: { wallMs, logical: 0 },
});
const move = (
  region: string,
  n: number,
  deps: Record<string, number>,
  wallMs: number,
  to: string,
) =>
  ev(region, n, deps, wallMs, HOME_MOVE_EVENT_TYPE, {
    streamId: STREAM,
    from: 'eu',
    to,
    reason: 'eu is down',
    operator: 'ops',
  });

describe('home-region moves', () => {
  const opened = ev('eu', 1, {}, 1, 'ledger.AccountOpened');
  // A fork while eu (the home) is down: us and ap withdrew concurrently.
  const x = ev('us', 1, { eu: 1 }, 5);
  const y = ev('ap', 1, { eu: 1 }, 6);

  it('reads a move strictly (peers are untrusted)', () => {
    const good = move('us', 2, { eu: 1 }, 7, 'us');
    expect(readHomeMove(good.type, 1, good.data)).toMatchObject({ ok: true });
    expect(readHomeMove(good.type, 2, good.data)).toMatchObject({ ok: false });
    expect(readHomeMove('geode.Merge', 1, good.data)).toMatchObject({ ok: false });
    for (const data of [
      { ...(good.data as object), to: 'EU' },
      { ...(good.data as object), to: 'eu' },
      { ...(good.data as object), reason: ' ' },
      { ...(good.data as object), extra: 1 },
      null,
    ])
      expect(readHomeMove(HOME_MOVE_EVENT_TYPE, 1, data)).toMatchObject({ ok: false });
  });

  it('without a move the first home merges; a move joining the fork hands it over', () => {
    expect(mergeAuthority(STREAM, 'eu', [opened, x, y]).region).toBe('eu');
    const m = move('us', 2, { eu: 1 }, 7, 'us');
    const fork = detectFork([opened, x, y, m])!;
    expect(fork.heads.map((e) => e.eventId).sort()).toEqual([m.eventId, y.eventId].sort());
    expect(mergeAuthority(STREAM, 'eu', [opened, x, y, m])).toEqual({ region: 'us', move: m });
    expect(pendingMoves(STREAM, fork)).toEqual([m]);
  });

  it('ignores moves of another stream and unreadable ones', () => {
    const foreign = ev('us', 2, { eu: 1 }, 7, HOME_MOVE_EVENT_TYPE, {
      streamId: 'account-other',
      from: 'eu',
      to: 'us',
      reason: 'r',
      operator: 'o',
    });
    const broken = ev('ap', 2, { eu: 1 }, 8, HOME_MOVE_EVENT_TYPE, { to: 'ap' });
    expect(mergeAuthority(STREAM, 'eu', [opened, x, y, foreign, broken]).region).toBe('eu');
  });

  it('two concurrent moves: every holder of the same events names the same single region', () => {
    const toUs = move('us', 2, { eu: 1 }, 7, 'us');
    const toAp = move('ap', 2, { eu: 1 }, 7, 'ap'); // same wall time: the dot region breaks the tie
    const events = [opened, x, y, toUs, toAp];
    fc.assert(
      fc.property(
        fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }),
        (arrival) => {
          const authority = mergeAuthority(STREAM, 'eu', arrival);
          return authority.region === 'us' && authority.move === toUs;
        },
      ),
    );
  });
});
