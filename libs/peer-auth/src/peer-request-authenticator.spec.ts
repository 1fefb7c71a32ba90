import { ManualWallClock } from '@geode/clock';
import { CLIENT_AUTH_OID, SERVER_AUTH_OID } from './certificate-identity';
import { PeerAuthConfig, PeerAuthMode } from './peer-auth-config';
import { PeerAuthenticationError } from './peer-authentication-error';
import { PeerRefusal, PeerRequest, PeerRequestAuthenticator } from './peer-request-authenticator';
import { RequestSigner } from './request-signer';

const NOW = 1_795_000_000_000;
const linkKey = Buffer.alloc(32, 9);
const bothUses = [SERVER_AUTH_OID, CLIENT_AUTH_OID];

interface FakeCertificate {
  region?: string;
  authorized?: boolean;
  uses?: string[];
}

function authenticatorFor(mode: PeerAuthMode, peers = ['us-east-1']) {
  const config: PeerAuthConfig = {
    mode,
    peers,
    keys: new Map(mode.includes('hmac') ? peers.map((peer) => [peer, [linkKey]] as const) : []),
  };
  const refusals: PeerRefusal[] = [];
  const clock = new ManualWallClock(NOW);
  const authenticator = new PeerRequestAuthenticator('eu-west-1', config, clock, {
    refused: (refusal) => refusals.push(refusal),
  });
  return { authenticator, refusals, clock };
}

function request(
  options: { certificate?: FakeCertificate; headers?: Record<string, string>; body?: string } = {},
): PeerRequest {
  const { certificate } = options;
  return {
    method: 'POST',
    originalUrl: '/replication/v1/handshake',
    headers: {
      ...(options.body !== undefined && {
        'content-length': String(Buffer.byteLength(options.body)),
      }),
      ...options.headers,
    },
    ...(options.body !== undefined && { rawBody: Buffer.from(options.body) }),
    socket: {
      remoteAddress: '10.0.0.7',
      authorized: certificate?.authorized ?? false,
      authorizationError:
        certificate && !certificate.authorized ? 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' : null,
      getPeerCertificate: () =>
        certificate
          ? {
              raw: Buffer.from('der'),
              subjectaltname: certificate.region
                ? `DNS:localhost, URI:geode://region/${certificate.region}`
                : 'DNS:x',
              ext_key_usage: certificate.uses ?? bothUses,
            }
          : {},
    },
  };
}

function signedBy(
  caller: string,
  body = '{"region":"us-east-1"}',
  clock = new ManualWallClock(NOW),
) {
  const signer = new RequestSigner(caller, new Map([['eu-west-1', [linkKey]]]), clock);
  return signer.headers({
    peerRegion: 'eu-west-1',
    method: 'POST',
    path: '/replication/v1/handshake',
    body: Buffer.from(body),
  });
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

describe('PeerRequestAuthenticator', () => {
  describe('mtls', () => {
    it('accepts a certificate the CA authorized that names a configured peer', () => {
      const { authenticator, refusals } = authenticatorFor('mtls');
      const certificate = { region: 'us-east-1', authorized: true };
      expect(authenticator.authenticate(request({ certificate }))).toEqual({ region: 'us-east-1' });
      expect(refusals).toEqual([]);
    });

    it.each<[string, Parameters<typeof request>[0], string, string]>([
      ['no certificate', {}, 'peer-authentication-required', 'no-credentials'],
      [
        'a certificate of another CA',
        { certificate: { region: 'us-east-1', authorized: false } },
        'peer-authentication-failed',
        'untrusted-certificate:UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      ],
      [
        'a certificate not allowed for client use',
        { certificate: { region: 'us-east-1', authorized: true, uses: [SERVER_AUTH_OID] } },
        'peer-authentication-failed',
        'certificate-not-for-clients',
      ],
      [
        'a certificate naming no region',
        { certificate: { authorized: true } },
        'peer-not-allowed',
        'certificate-names-no-region',
      ],
      [
        'a certificate of a region that is not a peer',
        { certificate: { region: 'ap-northeast-1', authorized: true } },
        'peer-not-allowed',
        'not-a-peer',
      ],
      [
        "a certificate of this geode's own region",
        { certificate: { region: 'eu-west-1', authorized: true } },
        'peer-not-allowed',
        'not-a-peer',
      ],
      [
        'a Geode-Peer claim that differs from the certificate',
        {
          certificate: { region: 'us-east-1', authorized: true },
          headers: { 'geode-peer': 'ap-northeast-1' },
        },
        'peer-identity-mismatch',
        'claim-differs',
      ],
    ])('refuses %s', (_what, given, code, reason) => {
      const { authenticator, refusals } = authenticatorFor('mtls');
      const error = refusal(() => authenticator.authenticate(request(given)));
      expect([error.code, error.reason]).toEqual([code, reason]);
      expect(refusals).toHaveLength(1);
      expect(refusals[0]).toMatchObject({
        code,
        reason,
        remoteAddress: '10.0.0.7',
        path: '/replication/v1/handshake',
      });
    });

    it('logs the claimed and the certificate identity of a refused caller', () => {
      const { authenticator, refusals } = authenticatorFor('mtls');
      refusal(() =>
        authenticator.authenticate(
          request({
            certificate: { region: 'us-east-1', authorized: true },
            headers: { 'geode-peer': 'ap-south-1' },
          }),
        ),
      );
      expect(refusals[0]).toMatchObject({
        claimedRegion: 'ap-south-1',
        certificateRegion: 'us-east-1',
      });
    });
  });

  describe('hmac', () => {
    const body = '{"region":"us-east-1"}';

    it('accepts a signed request of a peer, checked against the raw body', () => {
      const { authenticator } = authenticatorFor('hmac');
      expect(authenticator.authenticate(request({ headers: signedBy('us-east-1'), body }))).toEqual(
        {
          region: 'us-east-1',
        },
      );
    });

    it('refuses an unsigned request with 401 required, and a body the parser did not keep', () => {
      const { authenticator } = authenticatorFor('hmac');
      expect(refusal(() => authenticator.authenticate(request({ body }))).code).toBe(
        'peer-authentication-required',
      );
      const withUnreadBody = {
        ...request({ headers: signedBy('us-east-1') }),
        headers: { ...signedBy('us-east-1'), 'content-length': '5' },
      };
      expect(refusal(() => authenticator.authenticate(withUnreadBody)).reason).toBe(
        'unsigned-body',
      );
    });

    it('ignores a client certificate: it proves nothing in this mode', () => {
      const { authenticator } = authenticatorFor('hmac');
      const certificate = { region: 'us-east-1', authorized: true };
      expect(refusal(() => authenticator.authenticate(request({ certificate, body }))).code).toBe(
        'peer-authentication-required',
      );
    });
  });

  describe('mtls+hmac', () => {
    const body = '{"region":"us-east-1"}';
    const certificate = { region: 'us-east-1', authorized: true };

    it('accepts a request with both, naming the same region', () => {
      const { authenticator } = authenticatorFor('mtls+hmac');
      expect(
        authenticator.authenticate(request({ certificate, headers: signedBy('us-east-1'), body })),
      ).toEqual({
        region: 'us-east-1',
      });
    });

    it('refuses either alone, and a signature of another region than the certificate', () => {
      const { authenticator } = authenticatorFor('mtls+hmac', ['us-east-1', 'ap-northeast-1']);
      expect(refusal(() => authenticator.authenticate(request({ certificate, body }))).reason).toBe(
        'no-signature',
      );
      expect(
        refusal(() => authenticator.authenticate(request({ headers: signedBy('us-east-1'), body })))
          .reason,
      ).toBe('no-certificate');
      const error = refusal(() =>
        authenticator.authenticate(
          request({ certificate, headers: signedBy('ap-northeast-1'), body }),
        ),
      );
      expect(error.code).toBe('peer-identity-mismatch');
    });
  });

  it('refuses everyone with 403 when peer authentication is not configured', () => {
    const { authenticator, refusals } = authenticatorFor('none', []);
    const certificate = { region: 'us-east-1', authorized: true };
    const error = refusal(() => authenticator.authenticate(request({ certificate })));
    expect([error.code, error.status]).toEqual(['peer-authentication-not-configured', 403]);
    expect(refusals).toHaveLength(1);
  });
});
