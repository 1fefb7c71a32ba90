import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RedactedMarker, ReplicatedEvent } from '@geode/event-store';
import { readOriginFeed, stampAll } from '../../libs/event-store/src/testing/origin-feed';
import {
  createStoreUnderTest,
  deposit,
  stream,
  type StoreUnderTest,
} from '../../libs/event-store/src/testing/postgres-event-store.factory';
import { GeodeWorld } from '../support/geode-world';
import { call, query } from './replication-world';

jest.setTimeout(60_000);

const [EU, US] = ['eu-west-1', 'us-east-1'];
type Entry = ReplicatedEvent | RedactedMarker;

/** A peer that serves whatever frames the test sets, in the feed's wire format (no compression). */
class FakePeer {
  frames: unknown[] = [];
  requests = 0;
  private constructor(private readonly server: Server) {}

  static async start(region: string): Promise<FakePeer> {
    const server = createServer();
    const peer = new FakePeer(server);
    server.on('request', (req, res) => {
      req.resume();
      if (req.url === '/replication/v1/ack') {
        res.writeHead(204).end();
        return;
      }
      peer.requests += 1;
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      const hello = { type: 'hello', region, vector: { [region]: 8 }, heartbeatMs: 200 };
      for (const frame of [hello, ...peer.frames]) res.write(`${JSON.stringify(frame)}\n`);
      // Then stay idle with heartbeats, as a real feed would.
      const beat = setInterval(
        () => res.write(`${JSON.stringify({ type: 'heartbeat', vector: { [region]: 8 } })}\n`),
        200,
      );
      res.on('close', () => clearInterval(beat));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return peer;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

describe('replication refuses forged feeds from a peer', () => {
  let eu: StoreUnderTest;
  let genuine: Entry[];
  let unredacted: Entry[];
  let fake: FakePeer;
  let world: GeodeWorld;

  beforeAll(async () => {
    // A genuine eu-west-1 history: 8 events, the last two on a stream pinned to eu-west-1.
    eu = await createStoreUnderTest({ region: EU });
    const [a, pinned] = [stream(), stream()];
    await eu.store.append(a, [deposit('1'), deposit('2'), deposit('3')], {
      expectedRevision: 'no_stream',
    });
    await eu.store.append(a, [deposit('4'), deposit('5'), deposit('6')], { expectedRevision: 3 });
    await eu.store.append(pinned, [deposit('7'), deposit('8')], {
      expectedRevision: 'no_stream',
      streamMetadata: { residency: [EU] },
    });
    await stampAll(eu.database.url, EU, 8);
    genuine = await readOriginFeed(eu.database.url, EU, US);
    unredacted = await readOriginFeed(eu.database.url, EU, null);
    fake = await FakePeer.start(EU);
    world = await GeodeWorld.start([US], {
      env: {
        GEODE_PEERS: `${EU}=${fake.url}`,
        GEODE_PEER_KEYS: `${EU}=${randomBytes(32).toString('base64')}`,
        GEODE_REPLICATION_RETRY_MAX_MS: '200',
      },
    });
  });
  afterAll(async () => {
    await world?.close();
    await fake?.close();
    await eu?.close();
  });

  const held = async () => {
    const [row] = await query<{ events: string; entries: string }>(
      world.geode(US),
      `SELECT (SELECT count(*) FROM geode_events) AS events, (SELECT count(*) FROM geode_origin_log) AS entries`,
    );
    return { events: Number(row.events), entries: Number(row.entries) };
  };

  const refusedWith = async (code: string) => {
    const deadline = Date.now() + 10_000;
    const before = fake.requests;
    for (;;) {
      const response = await call(world.geode(US), 'GET', '/replication/v1/status');
      const link = (
        response.body.peers as {
          peer: string;
          lastError: { code: string; message: string } | null;
        }[]
      )[0];
      // At least one full attempt served after the frames were set.
      if (fake.requests > before + 1 && link.lastError?.code === code) return link.lastError;
      if (Date.now() > deadline)
        throw new Error(`no refusal ${code}: ${JSON.stringify(link.lastError)}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };

  const metric = async (reason: string) => {
    const text = await (await fetch(`${world.geode(US).url}/metrics`)).text();
    const line = text
      .split('\n')
      .find(
        (l) => l.startsWith('geode_replication_refused_total') && l.includes(`reason="${reason}"`),
      );
    return line ? Number(line.split(' ').pop()) : 0;
  };

  it('a batch whose hash does not extend the chain is refused whole; nothing is stored', async () => {
    const forged = copy(genuine.slice(0, 4));
    forged[2].origin.hash = forged[2].origin.hash.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    fake.frames = [{ type: 'batch', entries: forged }];
    expect((await refusedWith('refused-chain')).message).toMatch(
      /eu-west-1#3.*hash does not extend the chain/,
    );
    expect(await held()).toEqual({ events: 0, entries: 0 });
    expect(await metric('chain')).toBeGreaterThan(0);
  });

  it('an entry whose content does not match its digest is refused', async () => {
    const forged = copy(genuine.slice(0, 2)) as ReplicatedEvent[];
    forged[1].data = { ...forged[1].data, amount: '1000000' };
    fake.frames = [{ type: 'batch', entries: forged }];
    await refusedWith('refused-digest');
    expect(await held()).toEqual({ events: 0, entries: 0 });
  });

  it('entries under a wrong origin are refused: another region’s events relabelled, or this region’s own origin', async () => {
    const relabelled = copy(genuine.slice(0, 2));
    for (const entry of relabelled) entry.origin.region = 'ap-southeast-2';
    fake.frames = [{ type: 'batch', entries: relabelled }];
    expect((await refusedWith('refused-wrong-origin')).message).toMatch(
      /ap-southeast-2#1 was decided in eu-west-1/,
    );
    expect(await held()).toEqual({ events: 0, entries: 0 });

    const own = copy(genuine.slice(0, 1)) as ReplicatedEvent[];
    own[0].origin.region = US;
    own[0].dot.region = US;
    fake.frames = [{ type: 'batch', entries: own }];
    await refusedWith('refused-own-origin');
    expect(await held()).toEqual({ events: 0, entries: 0 });
  });

  it('a payload that may not be held in this region is refused as a security event and never stored', async () => {
    expect('redacted' in genuine[6]).toBe(true);
    expect('redacted' in unredacted[6]).toBe(false);
    const before = await metric('residency');
    fake.frames = [{ type: 'batch', entries: unredacted }];
    expect((await refusedWith('refused-residency')).message).toMatch(/residency/);
    expect(await held()).toEqual({ events: 0, entries: 0 });
    expect(await metric('residency')).toBeGreaterThan(before);
  });

  it('frames that break the wire format are refused before the store sees them', async () => {
    const bad = copy(genuine.slice(0, 1)) as unknown as Record<string, unknown>[];
    (bad[0].origin as Record<string, unknown>).seq = '1';
    fake.frames = [{ type: 'batch', entries: bad }];
    await refusedWith('refused-malformed');
    fake.frames = [
      { type: 'batch', entries: copy(genuine.slice(0, 1)).map((e) => ({ ...e, extra: 1 })) },
    ];
    await refusedWith('refused-malformed');
    expect(await held()).toEqual({ events: 0, entries: 0 });
  });

  it('once the peer serves the genuine log, the puller (which never passed the bad batches) applies all of it', async () => {
    fake.frames = [{ type: 'batch', entries: genuine }];
    const deadline = Date.now() + 10_000;
    while ((await world.geode(US).store().knowledge())[EU] !== 8) {
      if (Date.now() > deadline) throw new Error('genuine feed not applied');
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(await held()).toEqual({ events: 6, entries: 8 });
    expect(await world.geode(US).store().verifyChain(EU)).toEqual({
      origin: EU,
      checked: 8,
      firstBroken: null,
    });
  });
});
