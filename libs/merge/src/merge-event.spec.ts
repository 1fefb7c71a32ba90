import { mergeEventId, MERGE_EVENT_TYPE, readMergeRecord, type MergeRecord } from './merge-event';

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';

const record = (): MergeRecord => ({
  streamId: 'account-1',
  heads: [A, B],
  concurrentEvents: [A, B],
  ancestor: { eu: 1 },
  forkedAt: { wallMs: 5, logical: 0 },
  strategy: 'resolver',
  resolver: { name: 'ledger.overdraft', version: 1 },
  outcome: { status: 'overdrawn' },
  compensations: [{ kind: 'flag-for-review' }],
  resolvedBy: { kind: 'region', region: 'eu-west-1' },
});

describe('merge event id', () => {
  const resolver = { name: 'ledger.overdraft', version: 1 };

  it('is a UUID derived from stream, heads (any order) and resolver', () => {
    const id = mergeEventId('account-1', [A, B], resolver);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(mergeEventId('account-1', [B, A.toUpperCase()], resolver)).toBe(id);
  });

  it('differs when any input differs', () => {
    const id = mergeEventId('account-1', [A, B], resolver);
    expect(mergeEventId('account-2', [A, B], resolver)).not.toBe(id);
    expect(mergeEventId('account-1', [A], resolver)).not.toBe(id);
    expect(mergeEventId('account-1', [A, B], { ...resolver, version: 2 })).not.toBe(id);
  });
});

describe('reading a merge record (untrusted: it may come from a peer)', () => {
  it('reads a well-formed one', () => {
    expect(readMergeRecord(MERGE_EVENT_TYPE, 1, record())).toEqual({ ok: true, record: record() });
  });

  it.each<[string, (r: Record<string, unknown>) => void]>([
    ['one head', (r) => (r.heads = [A])],
    ['heads out of order', (r) => (r.heads = [B, A])],
    [
      'a head outside the concurrent events',
      (r) => (r.concurrentEvents = [A, A.replace('a', 'c')]),
    ],
    ['an unknown strategy', (r) => (r.strategy = 'coin-flip')],
    ['a resolver without version', (r) => (r.resolver = { name: 'x' })],
    ['a manual merge by a region', (r) => (r.strategy = 'manual')],
    ['an extra field', (r) => (r.extra = 1)],
    ['a bad region', (r) => (r.resolvedBy = { kind: 'region', region: 'EU' })],
  ])('refuses %s', (_, spoil) => {
    const bad = record() as unknown as Record<string, unknown>;
    spoil(bad);
    expect(readMergeRecord(MERGE_EVENT_TYPE, 1, bad).ok).toBe(false);
  });

  it('refuses another type or schema version', () => {
    expect(readMergeRecord('ledger.FundsDeposited', 1, record()).ok).toBe(false);
    expect(readMergeRecord(MERGE_EVENT_TYPE, 2, record()).ok).toBe(false);
  });
});
