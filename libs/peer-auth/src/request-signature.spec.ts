import {
  canonicalSigningString,
  computeSignature,
  sha256Hex,
  SignedFields,
} from './request-signature';

const fields: SignedFields = {
  caller: 'us-east-1',
  receiver: 'eu-west-1',
  method: 'post',
  path: '/replication/v1/feed?limit=500',
  timestampSeconds: 1_795_000_000,
  nonce: 'AAAAAAAAAAAAAAAAAAAAAA',
  bodySha256: sha256Hex(Buffer.from('{"vector":{}}')),
};

describe('the signed request encoding', () => {
  it('is one field per line in a fixed order, the method upper-cased', () => {
    expect(canonicalSigningString(fields)).toBe(
      [
        'GEODE-HMAC-SHA256-V1',
        'us-east-1',
        'eu-west-1',
        'POST',
        '/replication/v1/feed?limit=500',
        '1795000000',
        'AAAAAAAAAAAAAAAAAAAAAA',
        // SHA-256 of the body bytes, lower-case hex
        '91006cda179db7652535b70b9d48e44cd31302ca2111a079c6ca20e861e23e56',
      ].join('\n'),
    );
  });

  it('hashes the empty body as SHA-256 of nothing', () => {
    expect(sha256Hex(new Uint8Array())).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });

  it('is HMAC-SHA256 of that text under the link key (a stable value, so both ends agree across versions)', () => {
    const key = Buffer.alloc(32, 7);
    expect(computeSignature(key, fields).toString('hex')).toBe(
      '2efc0b1873acd7ec807bcae05523ed68da8d085fd05d323dd519b43030adb450',
    );
  });

  it.each([
    ['caller', { caller: 'ap-northeast-1' }],
    ['receiver', { receiver: 'us-west-2' }],
    ['method', { method: 'GET' }],
    ['path', { path: '/replication/v1/feed?limit=501' }],
    ['timestamp', { timestampSeconds: 1_795_000_001 }],
    ['nonce', { nonce: 'AAAAAAAAAAAAAAAAAAAAAB' }],
    ['body', { bodySha256: sha256Hex(Buffer.from('{"vector":{"a":1}}')) }],
  ])('changes when the %s changes', (_field, change) => {
    const key = Buffer.alloc(32, 7);
    expect(
      computeSignature(key, { ...fields, ...change }).equals(computeSignature(key, fields)),
    ).toBe(false);
  });
});
