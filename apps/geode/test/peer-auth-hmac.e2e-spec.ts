import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { ManualWallClock, systemWallClock, type WallClock } from '@geode/clock';
import { ConfiguredPeerClientAuth, loadPeerAuthConfig } from '@geode/peer-auth';
import { request } from 'undici';
import { startGeodeApp } from '../../../test/support/geode-app';
import { handshake, PeerAuthGeode, startPeerAuthGeode } from './peer-auth-geode';

jest.setTimeout(60_000);

const PATH = '/replication/v1/handshake';

describe('peer authentication with signed requests', () => {
  const linkKey = randomBytes(32).toString('base64');
  let geode: PeerAuthGeode;

  /** How the geode of `region` signs its calls, holding `key` for its link to eu-west-1. */
  const signerOf = (region: string, key = linkKey, clock: WallClock = systemWallClock) =>
    new ConfiguredPeerClientAuth(
      region,
      loadPeerAuthConfig({ GEODE_PEER_KEYS: `eu-west-1=${key}` }, region),
      clock,
    );
  const signed = (client: ConfiguredPeerClientAuth, body: string | Buffer) =>
    client.sign({ peerRegion: 'eu-west-1', method: 'POST', path: PATH, body: Buffer.from(body) });

  beforeAll(async () => {
    geode = await startPeerAuthGeode('eu-west-1', {
      GEODE_PEER_KEYS: `us-east-1=${linkKey},ap-northeast-1=${randomBytes(32).toString('base64')}`,
    });
  });
  afterAll(() => geode?.close());

  it('accepts a request signed with the link key', async () => {
    const body = '{"region":"us-east-1"}';
    const answer = await handshake(geode.url, {
      headers: signed(signerOf('us-east-1'), body),
      body,
    });
    expect([answer.status, answer.body]).toEqual([200, { peer: 'us-east-1', region: 'eu-west-1' }]);
  });

  it('checks the body as decoded from its Content-Encoding, within the request limits', async () => {
    const body = `{"region":"us-east-1"${' '.repeat(2_000)}}`;
    const answer = await handshake(geode.url, {
      headers: { ...signed(signerOf('us-east-1'), body), 'content-encoding': 'gzip' },
      body: gzipSync(body),
    });
    expect(answer.status).toBe(200);
    const tooLarge = `{"region":"us-east-1","pad":"${'x'.repeat(70_000)}"}`;
    const refused = await handshake(geode.url, {
      headers: signed(signerOf('us-east-1'), tooLarge),
      body: tooLarge,
    });
    expect([refused.status, refused.body.type]).toEqual([413, 'payload-too-large']);
  });

  it('refuses an unsigned request: 401 peer-authentication-required', async () => {
    const answer = await handshake(geode.url, { body: '{"region":"us-east-1"}' });
    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toBe('GEODE-HMAC-SHA256-V1');
    expect(answer.body).toEqual({
      type: 'peer-authentication-required',
      title: 'Unauthorized',
      status: 401,
      detail: 'peer requests need a Geode-Signature',
      instance: PATH,
    });
  });

  it('refuses a tampered body: 401', async () => {
    const headers = signed(signerOf('us-east-1'), '{"region":"us-east-1"}');
    const answer = await handshake(geode.url, { headers, body: '{"region":"us-east-1" }' });
    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({
      type: 'peer-authentication-failed',
      detail: 'Geode-Signature does not verify for this request',
    });
  });

  it('refuses a timestamp outside the 5-minute window: 401', async () => {
    const late = new ManualWallClock(Date.now() - 6 * 60_000);
    const body = '{"region":"us-east-1"}';
    const answer = await handshake(geode.url, {
      headers: signed(signerOf('us-east-1', linkKey, late), body),
      body,
    });
    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({
      type: 'peer-authentication-failed',
      detail: "Geode-Timestamp is more than 300 s away from this geode's clock",
    });
  });

  it('refuses a replayed request: 401', async () => {
    const body = '{"region":"us-east-1"}';
    const headers = signed(signerOf('us-east-1'), body);
    expect((await handshake(geode.url, { headers, body })).status).toBe(200);
    const replay = await handshake(geode.url, { headers, body });
    expect(replay.status).toBe(401);
    expect(replay.body.detail).toBe('this signed request was already received (replay)');
  });

  it('refuses an unknown peer, and a peer signing with a key that is not its link key: 401', async () => {
    const stranger = await handshake(geode.url, {
      headers: signed(
        signerOf('sa-east-1', randomBytes(32).toString('base64')),
        '{"region":"sa-east-1"}',
      ),
      body: '{"region":"sa-east-1"}',
    });
    expect([stranger.status, stranger.body.type]).toEqual([401, 'peer-authentication-failed']);
    // ap-northeast-1 is a peer, but signs with the us-east-1 link key it should not hold.
    const wrongKey = await handshake(geode.url, {
      headers: signed(signerOf('ap-northeast-1'), '{"region":"ap-northeast-1"}'),
      body: '{"region":"ap-northeast-1"}',
    });
    expect([wrongKey.status, wrongKey.body.type]).toEqual([401, 'peer-authentication-failed']);
    expect(geode.logs).toContainEqual(
      expect.objectContaining({
        security: 'peer-refused',
        reason: 'unknown-peer',
        claimedRegion: 'sa-east-1',
      }),
    );
  });

  it('counts refusals by problem type in the metrics', async () => {
    const response = await request(`${geode.url}/metrics`);
    const text = await response.body.text();
    const failed =
      /^geode_peer_auth_refusals_total\{[^}]*type="peer-authentication-failed"[^}]*\} (\d+)$/m.exec(
        text,
      );
    expect(Number(failed?.[1])).toBeGreaterThanOrEqual(4);
  });

  it('serves nothing to anyone on a geode without peer authentication: 403', async () => {
    const open = await startGeodeApp('eu-west-1');
    try {
      const body = '{"region":"us-east-1"}';
      const answer = await handshake(open.url, {
        headers: signed(signerOf('us-east-1'), body),
        body,
      });
      expect(answer.status).toBe(403);
      expect(answer.body.type).toBe('peer-authentication-not-configured');
    } finally {
      await open.close();
    }
  });
});
