import { randomBytes } from 'node:crypto';
import {
  loadPeerAuthConfig,
  PeerAuthConfigError,
  PeerAuthEnvironment,
} from './load-peer-auth-config';
import { DevCertificates, makeDevCertificates } from './testing';

const key32 = () => randomBytes(32).toString('base64');

describe('loadPeerAuthConfig', () => {
  let certs: DevCertificates;
  let otherCa: DevCertificates;
  beforeAll(() => {
    certs = makeDevCertificates(['eu-west-1', 'us-east-1']);
    otherCa = makeDevCertificates(['eu-west-1']);
  });
  afterAll(() => {
    certs.remove();
    otherCa.remove();
  });

  const tlsFiles = (region = 'eu-west-1', from = () => certs): PeerAuthEnvironment => ({
    GEODE_TLS_CERT: from().certPath(region),
    GEODE_TLS_KEY: from().keyPath(region),
    GEODE_TLS_CA: from().caPath,
  });
  const load = (env: PeerAuthEnvironment) => loadPeerAuthConfig(env, 'eu-west-1');
  const errorOf = (env: PeerAuthEnvironment) => {
    try {
      load(env);
    } catch (error) {
      expect(error).toBeInstanceOf(PeerAuthConfigError);
      return (error as Error).message;
    }
    throw new Error('expected a PeerAuthConfigError');
  };

  it('is mode none with nothing set: peer routes refuse everyone', () => {
    expect(load({})).toEqual({ mode: 'none', peers: [], keys: new Map() });
  });

  it('reads TLS material from files, or inline PEM, and infers mtls from a CA', () => {
    const fromFiles = load({ ...tlsFiles(), GEODE_PEER_REGIONS: 'us-east-1' });
    expect(fromFiles.mode).toBe('mtls');
    expect(fromFiles.peers).toEqual(['us-east-1']);
    expect(fromFiles.tls).toEqual({
      cert: certs.cert('eu-west-1'),
      key: certs.key('eu-west-1'),
      ca: certs.ca,
    });
    const inline = load({
      GEODE_TLS_CERT: certs.cert('eu-west-1'),
      GEODE_TLS_KEY: certs.key('eu-west-1'),
      GEODE_TLS_CA: certs.ca,
      GEODE_PEER_REGIONS: 'us-east-1',
    });
    expect(inline).toEqual(fromFiles);
  });

  it('infers hmac from keys, the peers being the regions with a key; repeated regions are a rotation', () => {
    const [a, b, c] = [key32(), key32(), key32()];
    const config = load({ GEODE_PEER_KEYS: `us-east-1=${a}, ap-northeast-1=${b},us-east-1=${c}` });
    expect(config.mode).toBe('hmac');
    expect(config.peers).toEqual(['us-east-1', 'ap-northeast-1']);
    expect(config.keys.get('us-east-1')).toEqual([
      Buffer.from(a, 'base64'),
      Buffer.from(c, 'base64'),
    ]);
  });

  it('reads keys from a file with comments and one entry per line', () => {
    const a = key32();
    const config = loadPeerAuthConfig({ GEODE_PEER_KEYS_FILE: '/keys' }, 'eu-west-1', {
      readFile: () => `# link keys\nus-east-1=${a}  # the Virginia link\n\n`,
    });
    expect(config.keys.get('us-east-1')).toEqual([Buffer.from(a, 'base64')]);
  });

  it('infers mtls+hmac from both, and serves HTTPS without client certificates from a cert and key alone', () => {
    expect(load({ ...tlsFiles(), GEODE_PEER_KEYS: `us-east-1=${key32()}` }).mode).toBe('mtls+hmac');
    const httpsOnly = load({
      GEODE_TLS_CERT: certs.certPath('eu-west-1'),
      GEODE_TLS_KEY: certs.keyPath('eu-west-1'),
      GEODE_PEER_AUTH: 'hmac',
      GEODE_PEER_KEYS: `us-east-1=${key32()}`,
    });
    expect(httpsOnly.tls?.ca).toBeUndefined();
  });

  it.each([
    [
      { GEODE_PEER_AUTH: 'tls' },
      /^GEODE_PEER_AUTH must be one of none, mtls, hmac, mtls\+hmac \(got "tls"\)$/,
    ],
    [
      { GEODE_PEER_AUTH: 'mtls' },
      /^GEODE_TLS_CERT and GEODE_TLS_KEY are required with GEODE_PEER_AUTH=mtls$/,
    ],
    [{ GEODE_PEER_AUTH: 'hmac' }, /^GEODE_PEER_KEYS \(or GEODE_PEER_KEYS_FILE\) is required/],
    [
      { GEODE_PEER_KEYS: 'us-east-1=c2hvcnQ=' },
      /^GEODE_PEER_KEYS entry 1 \(us-east-1\) must be a base64 key of at least 32 bytes$/,
    ],
    [{ GEODE_PEER_KEYS: 'us-east-1' }, /^GEODE_PEER_KEYS entry 1 must be <region>=<base64 key>/],
    [{ GEODE_PEER_KEYS: `eu-west-1=${key32()}` }, /names this geode's own region eu-west-1/],
    [{ GEODE_PEER_KEYS: `us-east-1=${key32()}`, GEODE_PEER_KEYS_FILE: '/k' }, /both set/],
    [
      { GEODE_PEER_KEYS: `us-east-1=${key32()}`, GEODE_PEER_REGIONS: 'us-east-1,ap-south-1' },
      /has no key for peer ap-south-1 \(named in GEODE_PEER_REGIONS\)$/,
    ],
    [
      { GEODE_PEER_KEYS: `us-east-1=${key32()}`, GEODE_PEER_AUTH: 'none' },
      /does not use signed requests$/,
    ],
    [
      { GEODE_PEER_REGIONS: 'eu-west-1', GEODE_PEER_KEYS: `us-east-1=${key32()}` },
      /must not name this geode's own region/,
    ],
    [
      { GEODE_PEER_KEYS_FILE: '/nowhere/keys' },
      /^GEODE_PEER_KEYS_FILE names a file that cannot be read: \/nowhere\/keys \(no such file\)$/,
    ],
    [{ GEODE_TLS_KEY: '/nowhere/key.pem' }, /^GEODE_TLS_KEY names a file that cannot be read/],
    [
      {
        GEODE_TLS_CERT: '-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----',
        GEODE_TLS_KEY: '-----BEGIN',
      },
      /^GEODE_TLS_CERT is not a PEM certificate$/,
    ],
  ])('refuses %j with one line naming the variable', (env, message) => {
    expect(errorOf(env as PeerAuthEnvironment)).toMatch(message);
  });

  it('never shows a key in its messages', () => {
    const secret = 'c2VjcmV0LXRoYXQtaXMtdG9vLXNob3J0';
    expect(errorOf({ GEODE_PEER_KEYS: `us-east-1=${secret}` })).not.toContain(secret);
  });

  it('checks the certificate: its own key, issued by the CA, naming this region, for server and client use', () => {
    expect(
      errorOf({
        ...tlsFiles(),
        GEODE_TLS_KEY: certs.keyPath('us-east-1'),
        GEODE_PEER_REGIONS: 'us-east-1',
      }),
    ).toBe('GEODE_TLS_KEY is not the private key of GEODE_TLS_CERT');
    expect(
      errorOf({ ...tlsFiles(), GEODE_TLS_CA: otherCa.caPath, GEODE_PEER_REGIONS: 'us-east-1' }),
    ).toBe('GEODE_TLS_CERT is not issued by GEODE_TLS_CA');
    expect(errorOf({ ...tlsFiles('us-east-1'), GEODE_PEER_REGIONS: 'us-east-1' })).toMatch(
      /^GEODE_TLS_CERT is the certificate of region us-east-1, not of this geode's region eu-west-1$/,
    );
    expect(errorOf(tlsFiles())).toMatch(
      /^GEODE_PEER_REGIONS \(or GEODE_PEERS\) is required with GEODE_PEER_AUTH=mtls/,
    );
  });

  it('takes the regions it replicates with as its callers when GEODE_PEER_REGIONS is unset', () => {
    const defaultPeers = { regions: ['us-east-1', 'ap-northeast-1'], variable: 'GEODE_PEERS' };
    const withTls = loadPeerAuthConfig(tlsFiles(), 'eu-west-1', { defaultPeers });
    expect(withTls.peers).toEqual(['us-east-1', 'ap-northeast-1']);
    const listed = loadPeerAuthConfig(
      { ...tlsFiles(), GEODE_PEER_REGIONS: 'us-east-1' },
      'eu-west-1',
      {
        defaultPeers,
      },
    );
    expect(listed.peers).toEqual(['us-east-1']);
    expect(() =>
      loadPeerAuthConfig({ GEODE_PEER_KEYS: `us-east-1=${key32()}` }, 'eu-west-1', {
        defaultPeers,
      }),
    ).toThrow('GEODE_PEER_KEYS has no key for peer ap-north' + 'east-1 (named in GEODE_PEERS)');
  });

  it('refuses an expired certificate', () => {
    const later = Date.now() + 400 * 24 * 3600_000;
    expect(() =>
      loadPeerAuthConfig({ ...tlsFiles(), GEODE_PEER_REGIONS: 'us-east-1' }, 'eu-west-1', {
        nowMs: later,
      }),
    ).toThrow(/^GEODE_TLS_CERT expired on /);
  });
});
