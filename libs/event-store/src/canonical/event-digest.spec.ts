import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import type { JsonValue } from '../event-envelope';
import { CanonicalEncodingError, canonicalJson } from './canonical-json';
import {
  bodyDigest,
  bodyDigestOfCanonical,
  chainHash,
  envelopeDigest,
  eventDigest,
  GENESIS_HASH,
  type DigestInput,
} from './event-digest';

// The worked example of docs/canonical-encoding.md §6: keep both in step.
const WORKED_EXAMPLE: DigestInput = {
  eventId: '0f8b7c2e-5d1a-4e3b-9a6c-2b7d4e1f3a90',
  streamId: 'account-7f3c9e21',
  type: 'ledger.FundsDeposited',
  schemaVersion: 1,
  data: { amount: '1250', currency: 'EUR', memo: 'Café ☕' },
  metadata: { correlationId: 'c-42', principal: 'user:alice' },
  dot: { region: 'eu-west-1', n: 3 },
  deps: { 'us-east-1': 1, 'eu-west-1': 2 },
  hlc: { wallMs: 1767225600000, logical: 2 },
  residency: null,
  origin: { region: 'eu-west-1', seq: 1 },
};
const WORKED_EXAMPLE_BODY_JSON =
  '{"data":{"amount":"1250","currency":"EUR","memo":"Café ☕"},' +
  '"eventId":"0f8b7c2e-5d1a-4e3b-9a6c-2b7d4e1f3a90","hlc":{"logical":2,"wallMs":1767225600000},' +
  '"metadata":{"correlationId":"c-42","principal":"user:alice"},"schemaVersion":1,' +
  '"streamId":"account-7f3c9e21","type":"ledger.FundsDeposited"}';
const WORKED_EXAMPLE_BODY_DIGEST =
  '85b24c6e3f8eae971168f8463ec2e0ae30f76ede9fad72ba56b56ad5f339722b';
const WORKED_EXAMPLE_ENVELOPE_JSON =
  '{"body":"85b24c6e3f8eae971168f8463ec2e0ae30f76ede9fad72ba56b56ad5f339722b",' +
  '"deps":{"eu-west-1":2,"us-east-1":1},"dot":{"n":3,"region":"eu-west-1"},' +
  '"origin":{"region":"eu-west-1","seq":1},"residency":null}';
const WORKED_EXAMPLE_DIGEST = '18c472d9d849a06d289a4ef7bf6579519b31381eab6e12f12b007746586e4d77';
const WORKED_EXAMPLE_HASH = '866f3eb36289377849a62db7d038f2a5ff7cb5bf4b751a0621a31a467ee8836f';

function anEvent(overrides: Partial<DigestInput> = {}): DigestInput {
  return structuredClone({ ...WORKED_EXAMPLE, ...overrides });
}

function sha256Hex(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function refusalOf(event: unknown): CanonicalEncodingError {
  try {
    eventDigest(event as DigestInput);
  } catch (error) {
    if (error instanceof CanonicalEncodingError) return error;
    throw error;
  }
  throw new Error('expected the event to be refused');
}

describe('eventDigest', () => {
  it('matches the worked example of docs/canonical-encoding.md', () => {
    const { eventId, streamId, type, schemaVersion, data, metadata, hlc } = WORKED_EXAMPLE;
    expect(canonicalJson({ eventId, streamId, type, schemaVersion, data, metadata, hlc })).toBe(
      WORKED_EXAMPLE_BODY_JSON,
    );
    expect(Buffer.byteLength(WORKED_EXAMPLE_BODY_JSON, 'utf8')).toBe(294);
    expect(bodyDigest(WORKED_EXAMPLE)).toBe(WORKED_EXAMPLE_BODY_DIGEST);
    const { dot, deps, residency, origin } = WORKED_EXAMPLE;
    const envelope = { body: WORKED_EXAMPLE_BODY_DIGEST, dot, deps, residency, origin };
    expect(canonicalJson(envelope)).toBe(WORKED_EXAMPLE_ENVELOPE_JSON);
    expect(Buffer.byteLength(WORKED_EXAMPLE_ENVELOPE_JSON, 'utf8')).toBe(204);
    expect(envelopeDigest(envelope)).toBe(WORKED_EXAMPLE_DIGEST);
    expect(eventDigest(WORKED_EXAMPLE)).toBe(WORKED_EXAMPLE_DIGEST);
    expect(chainHash(GENESIS_HASH, WORKED_EXAMPLE_DIGEST)).toBe(WORKED_EXAMPLE_HASH);
  });

  it('is the worked example that docs/canonical-encoding.md shows', () => {
    const doc = readFileSync(join(__dirname, '../../../../docs/canonical-encoding.md'), 'utf8');
    const lines = doc.split('\n');
    expect(lines).toContain(WORKED_EXAMPLE_BODY_JSON);
    expect(lines).toContain(WORKED_EXAMPLE_BODY_DIGEST);
    expect(lines).toContain(WORKED_EXAMPLE_ENVELOPE_JSON);
    expect(lines).toContain(WORKED_EXAMPLE_DIGEST);
    expect(lines).toContain(WORKED_EXAMPLE_HASH);
  });

  it('is the SHA-256 of the UTF-8 bytes of the canonical JSON, body and envelope alike', () => {
    expect(bodyDigest(WORKED_EXAMPLE)).toBe(
      sha256Hex(Buffer.from(WORKED_EXAMPLE_BODY_JSON, 'utf8')),
    );
    expect(eventDigest(WORKED_EXAMPLE)).toBe(
      sha256Hex(Buffer.from(WORKED_EXAMPLE_ENVELOPE_JSON, 'utf8')),
    );
  });

  it('refuses an envelope whose body digest is not 64 lowercase hex characters', () => {
    const { dot, deps, residency, origin } = WORKED_EXAMPLE;
    for (const body of [WORKED_EXAMPLE_BODY_DIGEST.toUpperCase(), 'abc', 42]) {
      expect(() => envelopeDigest({ body: body as string, dot, deps, residency, origin })).toThrow(
        CanonicalEncodingError,
      );
    }
  });

  it('ignores properties outside the digest, at the top and inside dot, hlc and origin', () => {
    // given a stored event: revision, position, the chain hash, …
    const stored = {
      ...anEvent(),
      revision: 7,
      position: 1234,
      recordedAt: new Date(0),
      dot: { region: 'eu-west-1', n: 3, extra: true },
      hlc: { wallMs: 1767225600000, logical: 2, extra: true },
      origin: { region: 'eu-west-1', seq: 1, hash: WORKED_EXAMPLE_HASH },
    };
    // then its digest is the digest of the fields alone
    expect(eventDigest(stored)).toBe(WORKED_EXAMPLE_DIGEST);
  });

  it('writes an absent residency as null', () => {
    const { residency: _absent, ...withoutResidency } = anEvent();
    expect(eventDigest(withoutResidency as DigestInput)).toBe(WORKED_EXAMPLE_DIGEST);
  });

  it('treats residency as a set: order does not matter, duplicates are refused', () => {
    const sorted = eventDigest(anEvent({ residency: ['eu-central-1', 'eu-west-1'] }));
    expect(eventDigest(anEvent({ residency: ['eu-west-1', 'eu-central-1'] }))).toBe(sorted);
    expect(sorted).not.toBe(WORKED_EXAMPLE_DIGEST);
    expect(refusalOf(anEvent({ residency: ['eu-west-1', 'eu-west-1'] })).message).toBe(
      '$.residency: region "eu-west-1" is listed twice',
    );
  });

  it.each<[string, (event: Record<string, unknown>) => void, string]>([
    [
      'an unsafe amount',
      (e) => ((e.data as Record<string, unknown>).amount = 2 ** 53),
      '$.data.amount',
    ],
    [
      'a Date in metadata',
      (e) => ((e.metadata as Record<string, unknown>).at = new Date()),
      '$.metadata.at',
    ],
    ['a missing field', (e) => delete e.eventId, '$.eventId'],
    ['a missing metadata', (e) => delete e.metadata, '$.metadata'],
    ['data as an array', (e) => (e.data = []), '$.data'],
    ['a numeric schema version as a string', (e) => (e.schemaVersion = '1'), '$.schemaVersion'],
    [
      'a bigint column read back as a string',
      (e) => (e.origin = { region: 'x', seq: '1' }),
      '$.origin.seq',
    ],
    ['a fractional dot counter', (e) => (e.dot = { region: 'x', n: 1.5 }), '$.dot.n'],
    ['a missing hlc', (e) => delete e.hlc, '$.hlc'],
    ['a negative hlc counter', (e) => (e.hlc = { wallMs: 1, logical: -1 }), '$.hlc.logical'],
    ['a non-integer dependency', (e) => (e.deps = { 'us-east-1': 0.5 }), '$.deps["us-east-1"]'],
    [
      'a "__proto__" dependency (an own member, as JSON.parse makes it)',
      (e) => (e.deps = JSON.parse('{"__proto__":1,"us-east-1":1}') as Record<string, number>),
      '$.deps["__proto__"]',
    ],
    ['a region that is not a string', (e) => (e.residency = ['eu', 7]), '$.residency[1]'],
    ['a residency that is not an array', (e) => (e.residency = 'eu'), '$.residency'],
  ])('refuses %s, naming the field', (_label, spoil, path) => {
    const event = anEvent() as unknown as Record<string, unknown>;
    spoil(event);
    const error = refusalOf(event);
    expect(error.code).toBe('non-canonical-json');
    expect(error.path).toBe(path);
  });

  it('assembled around canonical data and metadata, is the same body digest', () => {
    const json = fc
      .jsonValue({ maxDepth: 3 })
      .filter((v) => typeof v === 'object' && v !== null && !Array.isArray(v))
      .filter((v) => {
        try {
          canonicalJson(v);
          return true;
        } catch {
          return false;
        }
      })
      .map((v) => v as DigestInput['data']);
    fc.assert(
      fc.property(
        fc.uuid(),
        fc.stringMatching(/^account-[A-Za-z0-9_.:-]{1,20}$/),
        json,
        json,
        fc.integer({ min: 1, max: 10_000 }),
        fc.record({ wallMs: fc.integer({ min: 0, max: 2 ** 45 }), logical: fc.nat() }),
        (eventId, streamId, data, metadata, schemaVersion, hlc) => {
          const body = { eventId, streamId, type: 'ledger.FundsDeposited', schemaVersion, hlc };
          expect(
            bodyDigestOfCanonical({
              ...body,
              dataJson: canonicalJson(data),
              metadataJson: canonicalJson(metadata),
            }),
          ).toBe(bodyDigest({ ...body, data, metadata }));
        },
      ),
      { numRuns: 200 },
    );
    const { data, metadata, ...rest } = WORKED_EXAMPLE;
    expect(
      bodyDigestOfCanonical({
        ...rest,
        dataJson: canonicalJson(data),
        metadataJson: canonicalJson(metadata),
      }),
    ).toBe(WORKED_EXAMPLE_BODY_DIGEST);
  });

  it('digests the envelope as the SHA-256 of canonicalJson of its fields, whatever they hold', () => {
    const region = fc.constantFrom('eu-west-1', 'us-east-1', 'ap-south-1', 'x', 'é-1');
    const count = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
    fc.assert(
      fc.property(
        fc.stringMatching(/^[0-9a-f]{64}$/),
        fc.record({ region, n: count }),
        fc.dictionary(
          fc.string().filter((key) => key !== '__proto__'),
          count,
          { maxKeys: 4 },
        ),
        fc.option(fc.uniqueArray(region, { maxLength: 3 }), { nil: null }),
        fc.record({ region, seq: count }),
        (body, dot, deps, residency, origin) => {
          const expected = sha256Hex(
            Buffer.from(
              canonicalJson({
                body,
                deps,
                dot,
                origin,
                residency: residency === null ? null : [...residency].sort(),
              }),
              'utf8',
            ),
          );
          expect(envelopeDigest({ body, dot, deps, residency, origin })).toBe(expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  describe('changes when any field changes', () => {
    type Mutation = (e: DigestInput) => void;
    const mutations: Record<string, Mutation> = {
      eventId: (e) => (e.eventId += 'x'),
      streamId: (e) => (e.streamId += 'x'),
      type: (e) => (e.type += 'x'),
      schemaVersion: (e) => (e.schemaVersion += 1),
      // a key longer than every existing one, so it is new
      'data member': (e) => (e.data[`${Object.keys(e.data).join('')}+`] = null),
      'data value': (e) => (e.data.amount = e.data.amount === 'a' ? 'b' : 'a'),
      metadata: (e) => (e.metadata.principal = e.metadata.principal === 'a' ? 'b' : 'a'),
      'dot.region': (e) => (e.dot.region += '-b'),
      'dot.n': (e) => (e.dot.n += 1),
      'deps entry': (e) => (e.deps['sa-east-1'] = 0),
      'deps value': (e) => (e.deps['eu-west-1'] = (e.deps['eu-west-1'] ?? 0) + 1),
      'hlc.wallMs': (e) => (e.hlc.wallMs += 1),
      'hlc.logical': (e) => (e.hlc.logical += 1),
      residency: (e) => (e.residency = e.residency === null ? [] : null),
      'origin.region': (e) => (e.origin.region += '-b'),
      'origin.seq': (e) => (e.origin.seq += 1),
    };
    const region = fc.constantFrom('eu-west-1', 'us-east-1', 'ap-south-1');
    const count = fc.integer({ min: 0, max: 1_000_000 });
    const json = fc
      .jsonValue({ maxDepth: 2 })
      .map((v) => v as JsonValue)
      .filter((v) => {
        try {
          canonicalJson(v);
          return true;
        } catch {
          return false;
        }
      });
    const event: fc.Arbitrary<DigestInput> = fc.record({
      eventId: fc.uuid(),
      streamId: fc.stringMatching(/^account-[a-z0-9]{1,12}$/),
      type: fc.constantFrom('ledger.FundsDeposited', 'ledger.FundsWithdrawn'),
      schemaVersion: fc.integer({ min: 1, max: 5 }),
      data: fc.dictionary(fc.string(), json, { maxKeys: 4 }),
      metadata: fc.dictionary(fc.string(), json, { maxKeys: 3 }),
      dot: fc.record({ region, n: count }),
      deps: fc.dictionary(region, count),
      hlc: fc.record({ wallMs: fc.integer({ min: 0, max: 2 ** 45 }), logical: count }),
      residency: fc.option(fc.uniqueArray(region, { maxLength: 3 }), { nil: null }),
      origin: fc.record({ region, seq: count }),
    });

    it.each(Object.entries(mutations))('for %s, whatever the event', (_field, mutate) => {
      fc.assert(
        fc.property(event, (original) => {
          const changed = structuredClone(original);
          mutate(changed);
          expect(eventDigest(changed)).not.toBe(eventDigest(original));
        }),
        { numRuns: 50 },
      );
    });
  });
});

describe('chainHash', () => {
  it('starts from 32 zero bytes', () => {
    expect(GENESIS_HASH).toBe('0'.repeat(64));
  });

  it('hashes the 32 raw bytes of each input, not their hex text', () => {
    const previous = 'ab'.repeat(32);
    const digest = '0123456789abcdef'.repeat(4);
    const expected = sha256Hex(
      Buffer.concat([Buffer.from(previous, 'hex'), Buffer.from(digest, 'hex')]),
    );
    expect(chainHash(previous, digest)).toBe(expected);
    expect(chainHash(previous, digest)).not.toBe(sha256Hex(Buffer.from(previous + digest, 'utf8')));
  });

  it('depends on the order of its inputs', () => {
    const a = 'a'.repeat(64);
    const b = 'b'.repeat(64);
    expect(chainHash(a, b)).not.toBe(chainHash(b, a));
  });

  it('links a chain: each hash covers every digest before it', () => {
    const digests = ['1', '2', '3'].map((n) => sha256Hex(Buffer.from(n)));
    const chain = (ds: string[]) =>
      ds.reduce((previous, d) => chainHash(previous, d), GENESIS_HASH);
    const tampered = [...digests];
    tampered[0] = sha256Hex(Buffer.from('one'));
    expect(chain(tampered)).not.toBe(chain(digests));
  });

  it.each<[string, unknown, unknown]>([
    ['an upper-case previous hash', 'A'.repeat(64), GENESIS_HASH],
    ['a short digest', GENESIS_HASH, 'a'.repeat(63)],
    ['a long previous hash', 'a'.repeat(66), GENESIS_HASH],
    ['a non-hex digest', GENESIS_HASH, 'g'.repeat(64)],
    ['a prefixed digest', GENESIS_HASH, `0x${'a'.repeat(62)}`],
    ['a missing digest', GENESIS_HASH, undefined],
  ])('refuses %s', (_label, previous, digest) => {
    expect(() => chainHash(previous as string, digest as string)).toThrow(TypeError);
    expect(() => chainHash(previous as string, digest as string)).toThrow(
      /must be 64 lowercase hex characters/,
    );
  });
});
