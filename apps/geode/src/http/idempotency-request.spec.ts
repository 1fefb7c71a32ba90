import fc from 'fast-check';
import {
  canonicalBodyText,
  idempotencyScope,
  MAX_CANONICAL_DEPTH,
  readIdempotencyKey,
  requestHash,
  UnhashableBodyError,
} from './idempotency-request';

describe('readIdempotencyKey', () => {
  it.each([
    'k',
    'a'.repeat(200),
    'order 42/retry:1',
    '"8e03978e-40d5-43e8-bc93-6894a57f9324"',
    '~!',
  ])('accepts %j', (key) => expect(readIdempotencyKey(key)).toBe(key));

  it.each([
    ['empty', ''],
    ['201 characters', 'a'.repeat(201)],
    ['a tab', 'a\tb'],
    ['a Latin-1 letter', 'caf\u00e9'],
    ['a control character', 'a\u0007'],
  ])('refuses %s', (_case, key) => expect(readIdempotencyKey(key)).toBeNull());

  it('refuses a header given as several values and tells an absent one apart', () => {
    expect(readIdempotencyKey(['a', 'b'])).toBeNull();
    expect(readIdempotencyKey(undefined)).toBeUndefined();
  });
});

describe('idempotencyScope', () => {
  it('puts method, route pattern and key together, the key last', () => {
    expect(idempotencyScope('POST', '/v1/accounts/:id/deposits', 'a b')).toBe(
      'POST /v1/accounts/:id/deposits a b',
    );
  });
});

describe('canonicalBodyText', () => {
  it('sorts members at every level, keeps array order and drops whitespace', () => {
    expect(
      canonicalBodyText(JSON.parse('{ "b": [3, {"y":1,"x":2}], "a": {"d":null,"c":"é"} }')),
    ).toBe('{"a":{"c":"é","d":null},"b":[3,{"x":2,"y":1}]}');
  });

  it('tells no body, an empty object and null apart', () => {
    expect(
      new Set([canonicalBodyText(undefined), canonicalBodyText({}), canonicalBodyText(null)]).size,
    ).toBe(3);
  });

  it('is the same for every member order, and reads back as the value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalBodyText(value);
        expect(canonicalBodyText(reversedMembers(value))).toBe(text);
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });

  it(`refuses bodies nested more than ${MAX_CANONICAL_DEPTH} levels deep instead of overflowing the stack`, () => {
    const deep = JSON.parse('['.repeat(30_000) + ']'.repeat(30_000)) as unknown;
    expect(() => canonicalBodyText(deep)).toThrow(UnhashableBodyError);
    const allowed = JSON.parse(
      '['.repeat(MAX_CANONICAL_DEPTH) + ']'.repeat(MAX_CANONICAL_DEPTH),
    ) as unknown;
    expect(canonicalBodyText(allowed)).toHaveLength(2 * MAX_CANONICAL_DEPTH);
  });
});

describe('requestHash', () => {
  const body = { amount: '100', reference: 'r-1' };

  it('is SHA-256 (32 bytes) and ignores member order', () => {
    const hash = requestHash('POST', '/v1/accounts/a/deposits', body);
    expect(hash).toHaveLength(32);
    expect(
      requestHash('POST', '/v1/accounts/a/deposits', { reference: 'r-1', amount: '100' }),
    ).toEqual(hash);
  });

  it('changes with the method, the path (query included) and the body', () => {
    const hashes = [
      requestHash('POST', '/v1/accounts/a/deposits', body),
      requestHash('PATCH', '/v1/accounts/a/deposits', body),
      requestHash('POST', '/v1/accounts/b/deposits', body),
      requestHash('POST', '/v1/accounts/a/deposits?dryRun=true', body),
      requestHash('POST', '/v1/accounts/a/deposits', { ...body, amount: '101' }),
      requestHash('POST', '/v1/accounts/a/deposits', undefined),
    ];
    expect(new Set(hashes.map((hash) => hash.toString('hex'))).size).toBe(hashes.length);
  });
});

function reversedMembers(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversedMembers);
  if (value === null || typeof value !== 'object') return value;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value).reverse()) {
    Object.defineProperty(copy, key, {
      value: reversedMembers((value as Record<string, unknown>)[key]),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return copy;
}
