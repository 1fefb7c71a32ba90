import { MalformedFrame, parseFeedFrame } from './wire-format';

const HASH = 'a'.repeat(64);
const DIGEST = 'b'.repeat(64);
const event = {
  eventId: '0b6a2d4e-8f5c-4c1e-9a3b-2f1d0c9e8b7a',
  streamId: 'account-7f3c',
  type: 'ledger.FundsDeposited',
  schemaVersion: 1,
  data: { amount: '100' },
  metadata: { correlationId: 'c-1' },
  dot: { region: 'eu-west-1', n: 1 },
  deps: { 'eu-west-1': 0 },
  hlc: { wallMs: 1_764_000_000_000, logical: 0 },
  residency: null,
  origin: { region: 'eu-west-1', seq: 1, hash: HASH },
  digest: DIGEST,
};
const marker = {
  redacted: true,
  eventId: event.eventId,
  streamId: event.streamId,
  origin: { region: 'eu-west-1', seq: 2, hash: HASH },
  digest: DIGEST,
};
const line = (value: unknown) => JSON.stringify(value);
const batchWith = (entry: unknown) => line({ type: 'batch', entries: [entry] });

describe('feed wire format', () => {
  it('parses hello, batch (events and markers) and heartbeat frames', () => {
    expect(
      parseFeedFrame(
        line({ type: 'hello', region: 'eu-west-1', vector: { 'eu-west-1': 3 }, heartbeatMs: 5000 }),
      ),
    ).toEqual({
      type: 'hello',
      region: 'eu-west-1',
      vector: { 'eu-west-1': 3 },
      heartbeatMs: 5000,
    });
    expect(parseFeedFrame(line({ type: 'batch', entries: [event, marker] }))).toEqual({
      type: 'batch',
      entries: [event, marker],
    });
    expect(parseFeedFrame(line({ type: 'heartbeat', vector: {} }))).toEqual({
      type: 'heartbeat',
      vector: {},
    });
  });

  it.each([
    ['not JSON', '{"type":'],
    ['an unknown frame type', line({ type: 'surprise' })],
    ['an empty batch', line({ type: 'batch', entries: [] })],
    ['an unknown field on an event', batchWith({ ...event, extra: true })],
    ['a marker with a payload', batchWith({ ...marker, data: {} })],
    [
      'a hash that is not 64 lowercase hex',
      batchWith({ ...event, origin: { ...event.origin, hash: 'A'.repeat(64) } }),
    ],
    ['seq 0', batchWith({ ...event, origin: { ...event.origin, seq: 0 } })],
    ['a seq given as a string', batchWith({ ...event, origin: { ...event.origin, seq: '1' } })],
    [
      'a region that is not a region id',
      batchWith({ ...event, origin: { ...event.origin, region: 'EU West' } }),
    ],
    ['an event id that is not a UUID', batchWith({ ...event, eventId: 'x' })],
    ['a stream id without a category', batchWith({ ...event, streamId: '7f3c' })],
    ['an event type that is not a stable name', batchWith({ ...event, type: 'FundsDeposited' })],
    ['data that is not an object', batchWith({ ...event, data: [1] })],
    ['an empty residency list', batchWith({ ...event, residency: [] })],
    ['a negative deps counter', batchWith({ ...event, deps: { 'eu-west-1': -1 } })],
    ['a fractional HLC', batchWith({ ...event, hlc: { wallMs: 1.5, logical: 0 } })],
  ])('refuses %s', (_, text) => {
    expect(() => parseFeedFrame(text)).toThrow(MalformedFrame);
  });
});
