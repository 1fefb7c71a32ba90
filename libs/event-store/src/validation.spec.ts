import { randomUUID } from 'node:crypto';
import { InvalidEvent } from './errors';
import type { VersionVector } from './event-envelope';
import { validateAppend } from './validation';

const limits = { maxEventBytes: 1024 };
const event = () => ({
  eventId: randomUUID(),
  type: 'ledger.FundsDeposited',
  schemaVersion: 1,
  data: { amount: '1' },
});

describe('validateAppend deps', () => {
  it('accepts a vector of regions', () => {
    expect(() =>
      validateAppend(
        'account-1',
        [event()],
        { expectedRevision: 0, deps: { 'eu-west-1': 2 } },
        limits,
      ),
    ).not.toThrow();
  });

  it('refuses a "__proto__" key (which a JavaScript object would drop from the digest)', () => {
    // JSON.parse makes it an own member, as a request body does.
    const deps = JSON.parse('{"__proto__":1,"eu-west-1":2}') as VersionVector;
    expect(Object.keys(deps)).toContain('__proto__');
    const append = () =>
      validateAppend('account-1', [event()], { expectedRevision: 0, deps }, limits);
    expect(append).toThrow(InvalidEvent);
    expect(append).toThrow(/deps key "__proto__" is not a region/);
  });
});
