import { GeodeWorld } from '../support/geode-world';
import {
  call,
  chainsVerify,
  query,
  replicaFingerprint,
  waitForConvergence,
  writeSome,
} from './replication-world';

jest.setTimeout(60_000);

const [EU, US, AP] = ['eu-west-1', 'us-east-1', 'ap-southeast-2'];

interface LinkStatus {
  peer: string;
  state: string;
  lastError: { code: string; message: string } | null;
  acked: { vector: Record<string, number> } | null;
}

async function status(world: GeodeWorld, region: string) {
  const response = await call(world.geode(region), 'GET', '/replication/v1/status');
  expect(response.status).toBe(200);
  return response.body as unknown as {
    region: string;
    vector: Record<string, number>;
    lag: Record<string, { events: number; ms: number }>;
    peers: LinkStatus[];
  };
}

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`not reached within ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('replication through partitions (link proxies between every pair)', () => {
  let world: GeodeWorld;
  beforeEach(async () => {
    world = await GeodeWorld.start([EU, US, AP]);
  });
  afterEach(() => world?.close());

  it('with eu↔us dead (black-holed), us still gets eu’s events through ap, and eu gets us’s; the dead link shows in status', async () => {
    world.link(EU, US).blackhole();
    world.link(US, EU).blackhole();
    await Promise.all([writeSome(world.geode(EU), 4, 3), writeSome(world.geode(US), 4, 3)]);

    await waitForConvergence(world);
    const [eu, us, ap] = await Promise.all(
      [EU, US, AP].map((r) => replicaFingerprint(world.geode(r))),
    );
    expect(eu.knowledge).toEqual({ [EU]: 16, [US]: 16 });
    expect(us).toEqual(eu);
    expect(ap).toEqual(eu);
    // Nothing crossed the direct link: us's puller from eu gave it up as dead (no heartbeat for 3×).
    const usStatus = await until('us sees its link to eu fail', async () => {
      const body = await status(world, US);
      const link = body.peers.find((peer) => peer.peer === EU)!;
      return link.lastError ? body : undefined;
    });
    expect(usStatus.peers.find((peer) => peer.peer === EU)!.state).not.toBe('streaming');
    expect(usStatus.peers.find((peer) => peer.peer === AP)!.state).toBe('streaming');
    expect(await chainsVerify(world)).toEqual([]);
  });

  it('a region cut off from everyone keeps writing, then catches up when healed: nothing lost, nothing twice', async () => {
    await writeSome(world.geode(EU), 2, 1);
    await waitForConvergence(world);
    world.isolate(AP);
    await Promise.all([
      writeSome(world.geode(EU), 5, 4),
      writeSome(world.geode(US), 5, 4),
      writeSome(world.geode(AP), 5, 4),
    ]);
    // While cut off, ap learns nothing new and nobody learns ap's writes.
    await until('eu and us converge between themselves', async () => {
      const [eu, us] = await Promise.all([
        world.geode(EU).store().knowledge(),
        world.geode(US).store().knowledge(),
      ]);
      return eu[EU] === 29 && us[EU] === 29 && eu[US] === 25 && us[US] === 25 ? true : undefined;
    });
    expect((await world.geode(AP).store().knowledge())[EU]).toBe(4);
    expect((await world.geode(EU).store().knowledge())[AP]).toBeUndefined();

    world.rejoin(AP);
    await waitForConvergence(world);
    const [eu, us, ap] = await Promise.all(
      [EU, US, AP].map((r) => replicaFingerprint(world.geode(r))),
    );
    expect(eu.knowledge).toEqual({ [EU]: 29, [US]: 25, [AP]: 25 });
    expect(eu.events).toHaveLength(79);
    expect(new Set(eu.events).size).toBe(79);
    expect(us).toEqual(eu);
    expect(ap).toEqual(eu);
    // Every event is stored once and every origin entry once (no duplicate rows under the store).
    const [rows] = await query<{ events: string; entries: string }>(
      world.geode(AP),
      `SELECT (SELECT count(*) FROM geode_events) AS events, (SELECT count(*) FROM geode_origin_log) AS entries`,
    );
    expect(rows).toEqual({ events: '79', entries: '79' });
    expect(await chainsVerify(world)).toEqual([]);

    // Status: each peer's acknowledged vector, this geode's vector, no lag once settled.
    const settled = await until(
      'ap streams from eu and us, and both acknowledge everything',
      async () => {
        const body = await status(world, AP);
        const settledLinks = body.peers.every(
          (peer) => peer.acked?.vector[AP] === 25 && peer.state === 'streaming',
        );
        return settledLinks ? body : undefined;
      },
    );
    expect(settled.vector).toEqual({ [EU]: 29, [US]: 25, [AP]: 25 });
    expect(settled.peers.map((peer) => [peer.peer, peer.state]).sort()).toEqual([
      [EU, 'streaming'],
      [US, 'streaming'],
    ]);
    expect(Object.values(settled.lag).every((lag) => lag.events === 0)).toBe(true);
  });
});
