import {
  accountIdRule,
  emailRule,
  eventIdRule,
  ownerNameRule,
  regionListRule,
  regionRule,
  tagRule,
  timestampRule,
  type Rule,
} from './field-rules';

function accepts<T>(rule: Rule<T>, value: unknown): boolean {
  return rule(value).ok;
}

describe('field rules', () => {
  it.each(['2026-01-02T03:04:05.000Z', '2024-02-29T23:59:59.999Z', '1970-01-01T00:00:00.000Z'])(
    'timestamp: accepts %p',
    (value) => {
      expect(accepts(timestampRule, value)).toBe(true);
    },
  );

  it.each<unknown>([
    '2026-01-02T03:04:05Z',
    '2026-01-02T03:04:05.000+00:00',
    '2026-02-30T00:00:00.000Z',
    '2025-02-29T00:00:00.000Z',
    '2026-01-02T24:00:00.000Z',
    '2026-01-02 03:04:05.000Z',
    ' 2026-01-02T03:04:05.000Z',
    1767323045000,
    null,
  ])('timestamp: refuses %p', (value) => {
    expect(accepts(timestampRule, value)).toBe(false);
  });

  it.each(['eu-west-1', 'us-east-1', 'ap1'])('region: accepts %p', (value) => {
    expect(accepts(regionRule, value)).toBe(true);
  });

  it.each(['EU-West-1', 'eu_west_1', '-eu', 'eu-', '', 'a'.repeat(64)])(
    'region: refuses %p',
    (value) => {
      expect(accepts(regionRule, value)).toBe(false);
    },
  );

  it('region list: wants distinct regions in ascending order, so equal sets encode equally', () => {
    expect(regionListRule(['eu-central-1', 'eu-west-1'])).toEqual({
      ok: true,
      value: ['eu-central-1', 'eu-west-1'],
    });
    expect(accepts(regionListRule, ['eu-west-1', 'eu-central-1'])).toBe(false);
    expect(accepts(regionListRule, ['eu-west-1', 'eu-west-1'])).toBe(false);
    expect(accepts(regionListRule, [])).toBe(false);
    expect(accepts(regionListRule, 'eu-west-1')).toBe(false);
  });

  it.each(['acc-1', '7f3c9a', 'A.b_c:d-e', 'x'.repeat(200)])('account id: accepts %p', (value) => {
    expect(accepts(accountIdRule, value)).toBe(true);
  });

  it.each(['', '-acc', 'acc 1', 'acc/1', 'x'.repeat(201), 42])(
    'account id: refuses %p',
    (value) => {
      expect(accepts(accountIdRule, value)).toBe(false);
    },
  );

  it('event id: wants a UUID', () => {
    expect(accepts(eventIdRule, '3f0e8f3c-2b1a-4c5d-9e8f-0123456789ab')).toBe(true);
    expect(accepts(eventIdRule, '3f0e8f3c2b1a4c5d9e8f0123456789ab')).toBe(false);
  });

  it.each(['Ada Lovelace', 'Zoë Ødegård', '李小龙', 'Emoji 😀 ok'])(
    'owner name: accepts %p',
    (value) => {
      expect(accepts(ownerNameRule, value)).toBe(true);
    },
  );

  it.each(['', ' Ada', 'Ada ', 'Ada\tL', 'Ada\u0000', 'lone \ud800 half', 'x'.repeat(201)])(
    'owner name: refuses %p',
    (value) => {
      expect(accepts(ownerNameRule, value)).toBe(false);
    },
  );

  it.each(['ada@example.com', 'a.b+c@sub.example.org'])('email: accepts %p', (value) => {
    expect(accepts(emailRule, value)).toBe(true);
  });

  it.each(['ada', 'ada@example', 'a b@example.com', '@example.com', `${'a'.repeat(250)}@x.io`])(
    'email: refuses %p',
    (value) => {
      expect(accepts(emailRule, value)).toBe(false);
    },
  );

  it('tag: lowercase words with . _ : -', () => {
    expect(accepts(tagRule, 'tier:gold')).toBe(true);
    expect(accepts(tagRule, 'Tier')).toBe(false);
  });
});
