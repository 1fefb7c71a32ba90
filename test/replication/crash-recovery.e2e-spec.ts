import { Client } from 'pg';
import { GeodeWorld } from '../support/geode-world';
import {
  chainsVerify,
  query,
  replicaFingerprint,
  waitForConvergence,
  writeSome,
} from './replication-world';

jest.setTimeout(90_000);

const [EU, US] = ['eu-west-1', 'us-east-1'];

interface LinkStatus {
  peer: string;
  state: string;
  leaseHeld: boolean;
}

async function link(url: string, peer: string): Promise<LinkStatus> {
  const body = (await (await fetch(`${url}/replication/v1/status`)).json()) as {
    peers: LinkStatus[];
  };
  return body.peers.find((p) => p.peer === peer)!;
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

/**
 * Kills the database sessions of the geode's replication links (their leases):
 * to the puller it is as if its process died under it, in the middle of what it was doing.
 */
async function killLinkSessions(databaseUrl: string, databaseName: string): Promise<number> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ killed: boolean }>(
      `SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity
        WHERE datname = $1 AND application_name LIKE 'geode-replication-lease-%'`,
      [databaseName],
    );
    return rows.filter((row) => row.killed).length;
  } finally {
    await client.end();
  }
}

async function rowCounts(world: GeodeWorld, region: string) {
  const [row] = await query<{ events: string; entries: string; distinct_events: string }>(
    world.geode(region),
    `SELECT (SELECT count(*) FROM geode_events) AS events,
            (SELECT count(DISTINCT event_id) FROM geode_events) AS distinct_events,
            (SELECT count(*) FROM geode_origin_log) AS entries`,
  );
  return row;
}

describe('replication survives crashes of pullers and geodes', () => {
  let world: GeodeWorld;
  beforeEach(async () => {
    world = await GeodeWorld.start([EU, US]);
  });
  afterEach(() => world?.close());

  it('a puller killed in the middle of a catch-up, the link cut under it, then its geode stopped and restarted: nothing lost or duplicated', async () => {
    await world.stopGeode(US);
    await writeSome(world.geode(EU), 40, 9); // 400 events for us to catch up on
    await world.startGeode(US);
    // Kill the link's sessions and cut the link again and again while us catches up.
    let killed = 0;
    for (let i = 0; i < 8; i++) {
      killed += await killLinkSessions(world.geode(US).database.url, world.geode(US).database.name);
      world.link(US, EU).cut();
      await new Promise((resolve) => setTimeout(resolve, 20));
      world.link(US, EU).heal();
      await new Promise((resolve) => setTimeout(resolve, 40));
    }
    expect(killed).toBeGreaterThan(0);
    await world.stopGeode(US);
    const midway = await rowCounts(world, US);
    await world.startGeode(US);
    await waitForConvergence(world);

    const [eu, us] = await Promise.all([EU, US].map((r) => replicaFingerprint(world.geode(r))));
    expect(us).toEqual(eu);
    expect(eu.knowledge).toEqual({ [EU]: 400 });
    expect(await rowCounts(world, US)).toEqual({
      events: '400',
      distinct_events: '400',
      entries: '400',
    });
    expect(Number(midway.entries)).toBeLessThanOrEqual(400);
    expect(await chainsVerify(world)).toEqual([]);
  });

  it('one puller per region and peer: a second process stands by, and takes the link over when the holder dies', async () => {
    const second = await world.startSecondProcess(US);
    try {
      await until('the first us process streams from eu', async () => {
        const first = await link(world.geode(US).url, EU);
        return first.state === 'streaming' ? first : undefined;
      });
      // The second sees the lease taken and stands by.
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      expect(await link(world.geode(US).url, EU)).toMatchObject({
        leaseHeld: true,
        state: 'streaming',
      });
      expect(await link(second.url, EU)).toMatchObject({ leaseHeld: false, state: 'standby' });

      await writeSome(world.geode(EU), 5, 1);
      await waitForConvergence(world);
      // The holder dies (eu now dials the survivor); the standby takes the link over.
      await world.stopGeode(US);
      world.link(EU, US).setTarget(Number(new URL(second.url).port));
      await until('the second us process takes the link', async () => {
        const taken = await link(second.url, EU);
        return taken.leaseHeld && taken.state === 'streaming' ? taken : undefined;
      });
      await writeSome(world.geode(EU), 5, 1);
      await until('us holds every eu event', async () => {
        const [row] = await query<{ seq: string }>(
          world.geode(US),
          `SELECT seq FROM geode_knowledge WHERE origin_region = $1`,
          [EU],
        );
        return row?.seq === '20' ? true : undefined;
      });
      expect(await rowCounts(world, US)).toEqual({
        events: '20',
        distinct_events: '20',
        entries: '20',
      });
    } finally {
      await second.app.close();
    }
  });
});
