import * as crypto from 'node:crypto';
import fc from 'fast-check';
import { ManualWallClock } from '@geode/clock';
import { PeerAuthenticationError } from './peer-authentication-error';
import { ReplayCache } from './replay-cache';
import { SIGNATURE_WINDOW_MS } from './request-signature';
import { RequestSigner } from './request-signer';
import { hasSignatureHeaders, SignedRequestVerifier } from './signed-request-verifier';

const linkKey = Buffer.alloc(32, 1);
const NOW = 1_795_000_000_000;

function world(
  options: {
    callerKeys?: Buffer[];
    receiverKeys?: Buffer[];
    capacity?: number;
    equal?: (a: Buffer, b: Buffer) => boolean;
  } = {},
) {
  const clock = new ManualWallClock(NOW);
  const signer = new RequestSigner(
    'us-east-1',
    new Map([['eu-west-1', options.callerKeys ?? [linkKey]]]),
    clock,
  );
  const verifier = new SignedRequestVerifier(
    'eu-west-1',
    new Map([['us-east-1', options.receiverKeys ?? [linkKey]]]),
    clock,
    { replays: new ReplayCache(options.capacity), equal: options.equal },
  );
  const body = Buffer.from('{"vector":{"eu-west-1":3}}');
  const signed = (overrides: { method?: string; path?: string; body?: Buffer } = {}) => ({
    method: 'POST',
    path: '/replication/v1/feed',
    body,
    headers: signer.headers({
      peerRegion: 'eu-west-1',
      method: overrides.method ?? 'POST',
      path: overrides.path ?? '/replication/v1/feed',
      body: overrides.body ?? body,
    }) as Record<string, string | string[]>,
  });
  return { clock, signer, verifier, signed, body };
}

function refusal(run: () => unknown): PeerAuthenticationError {
  try {
    run();
  } catch (error) {
    if (error instanceof PeerAuthenticationError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('SignedRequestVerifier', () => {
  it('accepts a request signed with the link key and answers the caller', () => {
    const { verifier, signed } = world();
    expect(verifier.verify(signed())).toBe('us-east-1');
  });

  it.each([
    ['a tampered body', { body: Buffer.from('{"vector":{"eu-west-1":4}}') }],
    ['another path or query', { path: '/replication/v1/feed?from=0' }],
    ['another method', { method: 'PUT' }],
  ])('refuses %s: bad-signature', (_what, change) => {
    const { verifier, signed } = world();
    const request = { ...signed(), ...change };
    const error = refusal(() => verifier.verify(request));
    expect([error.code, error.reason, error.status]).toEqual([
      'peer-authentication-failed',
      'bad-signature',
      401,
    ]);
    expect(error.context.claimedRegion).toBe('us-east-1');
  });

  it('refuses a signature made for another receiver (pairwise keys are bound to the link)', () => {
    const { signer, body } = world();
    const atAnotherGeode = new SignedRequestVerifier(
      'ap-northeast-1',
      new Map([['us-east-1', [linkKey]]]),
      new ManualWallClock(NOW),
    );
    const headers = signer.headers({ peerRegion: 'eu-west-1', method: 'POST', path: '/x', body });
    expect(
      refusal(() => atAnotherGeode.verify({ headers, method: 'POST', path: '/x', body })).reason,
    ).toBe('bad-signature');
  });

  it('accepts timestamps up to the window either way and refuses beyond it', () => {
    for (const [skewMs, accepted] of [
      [SIGNATURE_WINDOW_MS, true],
      [-SIGNATURE_WINDOW_MS, true],
      [SIGNATURE_WINDOW_MS + 1_000, false],
      [-SIGNATURE_WINDOW_MS - 1_000, false],
    ] as const) {
      const { clock, verifier, signed } = world();
      const request = signed();
      clock.advance(skewMs > 0 ? skewMs : 0);
      if (skewMs < 0) clock.set(NOW + skewMs);
      if (accepted) expect(verifier.verify(request)).toBe('us-east-1');
      else expect(refusal(() => verifier.verify(request)).reason).toBe('stale-timestamp');
    }
  });

  it('refuses the same signed request twice (replay), but not two requests with the same content', () => {
    const { verifier, signed } = world();
    const first = signed();
    expect(verifier.verify(first)).toBe('us-east-1');
    expect(refusal(() => verifier.verify(first)).reason).toBe('replayed');
    // Same method, path, body and second: a fresh nonce makes it another request.
    expect(verifier.verify(signed())).toBe('us-east-1');
  });

  it('fails closed when the replay cache is full: 503, never a forgotten signature', () => {
    const { verifier, signed } = world({ capacity: 1 });
    verifier.verify(signed());
    const error = refusal(() => verifier.verify(signed()));
    expect([error.code, error.status]).toEqual(['peer-authentication-unavailable', 503]);
  });

  it('refuses an unknown caller like a bad signature (no hint of which regions exist)', () => {
    const clock = new ManualWallClock(NOW);
    const stranger = new RequestSigner('sa-east-1', new Map([['eu-west-1', [linkKey]]]), clock);
    const { verifier, body } = world();
    const headers = stranger.headers({ peerRegion: 'eu-west-1', method: 'POST', path: '/x', body });
    const error = refusal(() => verifier.verify({ headers, method: 'POST', path: '/x', body }));
    expect(error.reason).toBe('unknown-peer');
    expect(error.message).toBe('Geode-Signature does not verify for this request');
  });

  it('accepts either key of a peer during a rotation, and compares each in constant time', () => {
    const oldKey = Buffer.alloc(32, 2);
    const compared: boolean[] = [];
    const equal = (a: Buffer, b: Buffer) => {
      const same = crypto.timingSafeEqual(a, b);
      compared.push(same);
      return same;
    };
    const { verifier, signed } = world({
      callerKeys: [oldKey],
      receiverKeys: [oldKey, linkKey],
      equal,
    });
    expect(verifier.verify(signed())).toBe('us-east-1');
    // Both keys were compared although the first matched: no early exit.
    expect(compared).toEqual([true, false]);
  });

  it('compares with crypto.timingSafeEqual unless told otherwise', () => {
    const { verifier } = world();
    expect((verifier as unknown as { equal: unknown }).equal).toBe(crypto.timingSafeEqual);
  });

  it('accepts any body and path as signed, and refuses any one-byte change of the body', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 256 }),
        fc.webPath(),
        fc.nat(),
        (bytes, path, at) => {
          const { signer, verifier } = world();
          const body = Buffer.from(bytes);
          const headers = signer.headers({ peerRegion: 'eu-west-1', method: 'POST', path, body });
          const tampered = Buffer.from(body);
          tampered[at % body.length] ^= 1 << (at % 8);
          const error = refusal(() =>
            verifier.verify({ headers, method: 'POST', path, body: tampered }),
          );
          expect(error.reason).toBe('bad-signature');
          expect(verifier.verify({ headers, method: 'POST', path, body })).toBe('us-east-1');
        },
      ),
      { numRuns: 200 },
    );
  });

  it.each([
    ['no Geode-Peer', { 'geode-peer': undefined }],
    ['a Geode-Peer that is no region id', { 'geode-peer': 'EU WEST' }],
    ['two Geode-Peer values', { 'geode-peer': ['us-east-1', 'us-east-1'] }],
    ['a timestamp in ms with a fraction', { 'geode-timestamp': '1795000000.5' }],
    ['a short nonce', { 'geode-nonce': 'abc' }],
    ['a signature of the wrong length', { 'geode-signature': 'AAAA' }],
    ['a signature that is not base64url', { 'geode-signature': `${'+'.repeat(42)}A` }],
    ['a 43-character signature with stray low bits', { 'geode-signature': `${'A'.repeat(42)}B` }],
  ])('refuses malformed headers: %s', (_what, change) => {
    const { verifier, signed } = world();
    const request = signed();
    const headers: Record<string, string | string[] | undefined> = {
      ...request.headers,
      ...change,
    };
    for (const [name, value] of Object.entries(headers))
      if (value === undefined) delete headers[name];
    const error = refusal(() => verifier.verify({ ...request, headers }));
    expect([error.code, error.reason]).toEqual(['peer-authentication-failed', 'malformed-headers']);
  });

  it('tells whether a request carries signature headers at all', () => {
    expect(hasSignatureHeaders({})).toBe(false);
    expect(hasSignatureHeaders({ 'geode-signature': 'x' })).toBe(true);
    expect(hasSignatureHeaders({ 'geode-peer': 'us-east-1' })).toBe(true);
  });
});
