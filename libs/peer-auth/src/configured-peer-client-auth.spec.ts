import type { PeerCertificate } from 'node:tls';
import { ManualWallClock } from '@geode/clock';
import { CLIENT_AUTH_OID, SERVER_AUTH_OID } from './certificate-identity';
import { ConfiguredPeerClientAuth, serverIdentityError } from './configured-peer-client-auth';
import { NoPeerKeyError } from './request-signer';

const certificate = (subjectaltname: string, uses = [SERVER_AUTH_OID, CLIENT_AUTH_OID]) =>
  ({ subjectaltname, ext_key_usage: uses }) as unknown as PeerCertificate;

describe('ConfiguredPeerClientAuth', () => {
  it('accepts a server only when its certificate names the region called, for server use', () => {
    expect(
      serverIdentityError('eu-west-1', certificate('URI:geode://region/eu-west-1')),
    ).toBeUndefined();
    expect(
      serverIdentityError('eu-west-1', certificate('URI:geode://region/us-east-1'))?.message,
    ).toBe('the peer presented the certificate of region us-east-1, expected eu-west-1');
    expect(serverIdentityError('eu-west-1', certificate('DNS:localhost'))?.message).toMatch(
      /naming no geode region/,
    );
    expect(
      serverIdentityError(
        'eu-west-1',
        certificate('URI:geode://region/eu-west-1', [CLIENT_AUTH_OID]),
      ),
    ).toBeDefined();
  });

  it('signs with the key of the link called; in mtls only states who is calling', () => {
    const clock = new ManualWallClock(1_795_000_000_000);
    const keys = new Map([['eu-west-1', [Buffer.alloc(32, 1)]]]);
    const hmac = new ConfiguredPeerClientAuth(
      'us-east-1',
      { mode: 'hmac', peers: ['eu-west-1'], keys },
      clock,
    );
    const request = { peerRegion: 'eu-west-1', method: 'POST', path: '/p', body: new Uint8Array() };
    expect(Object.keys(hmac.sign(request)).sort()).toEqual([
      'geode-nonce',
      'geode-peer',
      'geode-signature',
      'geode-timestamp',
    ]);
    expect(hmac.sign(request)['geode-timestamp']).toBe('1795000000');
    expect(() => hmac.sign({ ...request, peerRegion: 'ap-south-1' })).toThrow(NoPeerKeyError);
    expect(hmac.dispatcher('eu-west-1')).toBeUndefined();

    const mtls = new ConfiguredPeerClientAuth(
      'us-east-1',
      { mode: 'mtls', peers: ['eu-west-1'], keys: new Map() },
      clock,
    );
    expect(mtls.sign(request)).toEqual({ 'geode-peer': 'us-east-1' });
  });
});
