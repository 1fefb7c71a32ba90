import { systemWallClock } from '@geode/clock';
import { ConfiguredPeerClientAuth, loadPeerAuthConfig } from '@geode/peer-auth';
import type { Server as TlsServer, TLSSocket } from 'node:tls';
import { request } from 'undici';
import { DevCertificates, makeDevCertificates } from '../../../libs/peer-auth/src/testing';
import { handshake, PeerAuthGeode, plainTlsAgent, startPeerAuthGeode } from './peer-auth-geode';

jest.setTimeout(60_000);

describe('peer authentication with mutual TLS', () => {
  let certs: DevCertificates;
  let rogue: DevCertificates;
  let geode: PeerAuthGeode;
  const clients: ConfiguredPeerClientAuth[] = [];

  /** How the geode of `region` calls its peers (what the replication puller uses). */
  const clientOf = (region: string, peers = 'eu-west-1') => {
    const config = loadPeerAuthConfig(
      {
        GEODE_TLS_CERT: certs.certPath(region),
        GEODE_TLS_KEY: certs.keyPath(region),
        GEODE_TLS_CA: certs.caPath,
        GEODE_PEER_REGIONS: peers,
      },
      region,
    );
    const client = new ConfiguredPeerClientAuth(region, config, systemWallClock);
    clients.push(client);
    return client;
  };
  const peerHandshake = (client: ConfiguredPeerClientAuth, from: string, to = 'eu-west-1') =>
    handshake(geode.url, {
      dispatcher: client.dispatcher(to),
      headers: client.sign({
        peerRegion: to,
        method: 'POST',
        path: '/replication/v1/handshake',
        body: new Uint8Array(),
      }),
      body: JSON.stringify({ region: from }),
    });

  beforeAll(async () => {
    certs = makeDevCertificates(['eu-west-1', 'us-east-1', 'ap-northeast-1']);
    rogue = makeDevCertificates(['us-east-1']);
    geode = await startPeerAuthGeode('eu-west-1', {
      GEODE_TLS_CERT: certs.certPath('eu-west-1'),
      GEODE_TLS_KEY: certs.keyPath('eu-west-1'),
      GEODE_TLS_CA: certs.caPath,
      GEODE_PEER_REGIONS: 'us-east-1',
    });
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await geode?.close();
    certs?.remove();
    rogue?.remove();
  });

  it('accepts a configured peer presenting its certificate, over new and resumed TLS sessions', async () => {
    const client = clientOf('us-east-1');
    expect(geode.url).toMatch(/^https:/);
    const resumed: boolean[] = [];
    const server = geode.app.getHttpServer() as unknown as TlsServer;
    const watch = (socket: TLSSocket) => resumed.push(socket.isSessionReused());
    server.on('secureConnection', watch);
    for (let i = 0; i < 3; i += 1) {
      const answer = await handshake(geode.url, {
        dispatcher: client.dispatcher('eu-west-1'),
        // A new connection each time: the next ones resume the TLS session.
        headers: { connection: 'close' },
        body: JSON.stringify({ region: 'us-east-1' }),
      });
      expect([answer.status, answer.body]).toEqual([
        200,
        { peer: 'us-east-1', region: 'eu-west-1' },
      ]);
    }
    server.off('secureConnection', watch);
    expect(resumed).toHaveLength(3);
    expect(resumed.slice(1)).toContain(true);
    expect((await peerHandshake(client, 'us-east-1')).status).toBe(200);
  });

  it('serves the public API to clients without a certificate', async () => {
    const agent = plainTlsAgent(certs.ca);
    try {
      const response = await request(`${geode.url}/health`, { dispatcher: agent });
      await response.body.dump();
      expect(response.statusCode).toBe(200);
    } finally {
      await agent.close();
    }
  });

  it('refuses a caller without a certificate: 401 peer-authentication-required', async () => {
    const agent = plainTlsAgent(certs.ca);
    try {
      const answer = await handshake(geode.url, {
        dispatcher: agent,
        body: '{"region":"us-east-1"}',
      });
      expect(answer.status).toBe(401);
      expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(answer.headers['www-authenticate']).toBe('Geode-mTLS');
      expect(answer.body).toEqual({
        type: 'peer-authentication-required',
        title: 'Unauthorized',
        status: 401,
        detail: 'peer requests need a client certificate',
        instance: '/replication/v1/handshake',
      });
    } finally {
      await agent.close();
    }
  });

  it("refuses a certificate of another CA, even one naming a peer's region: 401", async () => {
    const agent = plainTlsAgent(certs.ca, rogue.cert('us-east-1'), rogue.key('us-east-1'));
    try {
      const answer = await handshake(geode.url, {
        dispatcher: agent,
        body: '{"region":"us-east-1"}',
      });
      expect(answer.status).toBe(401);
      expect(answer.body).toMatchObject({
        type: 'peer-authentication-failed',
        detail: 'the client certificate is not trusted by this geode',
      });
    } finally {
      await agent.close();
    }
  });

  it('refuses a certificate of this CA whose region is not a configured peer: 403', async () => {
    const answer = await peerHandshake(clientOf('ap-northeast-1'), 'ap-northeast-1');
    expect(answer.status).toBe(403);
    expect(answer.body).toMatchObject({
      type: 'peer-not-allowed',
      detail: 'the authenticated region is not a peer of this geode',
    });
  });

  it('refuses a peer claiming another region than its certificate: 403', async () => {
    const client = clientOf('us-east-1');
    const answer = await handshake(geode.url, {
      dispatcher: client.dispatcher('eu-west-1'),
      headers: { 'geode-peer': 'ap-northeast-1' },
      body: '{"region":"ap-northeast-1"}',
    });
    expect(answer.status).toBe(403);
    expect(answer.body.type).toBe('peer-identity-mismatch');
  });

  it('logs every refusal as a security event with the claimed identity and the remote address', async () => {
    const agent = plainTlsAgent(certs.ca, rogue.cert('us-east-1'), rogue.key('us-east-1'));
    try {
      await handshake(geode.url, { dispatcher: agent, headers: { 'geode-peer': 'us-east-1' } });
    } finally {
      await agent.close();
    }
    expect(geode.logs).toContainEqual(
      expect.objectContaining({
        level: 40,
        security: 'peer-refused',
        code: 'peer-authentication-failed',
        reason: expect.stringMatching(/^untrusted-certificate:/),
        claimedRegion: 'us-east-1',
        remoteAddress: '127.0.0.1',
        path: '/replication/v1/handshake',
      }),
    );
  });

  it('does not let a client talk to a server presenting the certificate of another region', async () => {
    // us-east-1 means to call ap-northeast-1 but reaches the eu-west-1 geode (a wrong address, a hijack).
    const client = clientOf('us-east-1', 'ap-northeast-1');
    await expect(
      handshake(geode.url, {
        dispatcher: client.dispatcher('ap-northeast-1'),
        body: '{"region":"us-east-1"}',
      }),
    ).rejects.toThrow(/certificate of region eu-west-1, expected ap-northeast-1/);
  });
});
