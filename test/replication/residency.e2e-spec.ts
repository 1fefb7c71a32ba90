import { randomUUID } from 'node:crypto';
import { GeodeWorld } from '../support/geode-world';
import type { WorldGeode } from '../support/geode-world';
import {
  chainsVerify,
  deposit,
  openAccount,
  query,
  replicaFingerprint,
  waitForConvergence,
  writeSome,
} from './replication-world';

jest.setTimeout(60_000);

const [EU, US, AP] = ['eu-west-1', 'us-east-1', 'ap-southeast-2'];

/** Every table of the public schema whose rows, as text, contain `marker`. */
async function tablesHolding(geode: WorldGeode, marker: string): Promise<string[]> {
  const tables = await query<{ name: string }>(
    geode,
    `SELECT quote_ident(table_name) AS name FROM information_schema.tables
      WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`,
  );
  const holding: string[] = [];
  for (const { name } of tables) {
    const [row] = await query<{ n: string }>(
      geode,
      `SELECT count(*) AS n FROM ${name} t WHERE t::text LIKE '%' || $1 || '%'`,
      [marker],
    );
    if (Number(row.n) > 0) holding.push(name);
  }
  return holding;
}

describe('replication honours residency', () => {
  let world: GeodeWorld;
  beforeAll(async () => {
    world = await GeodeWorld.start([EU, US, AP]);
  });
  afterAll(() => world?.close());

  it('an account pinned to eu-west-1: us and ap hold redacted markers only, no byte of its payload; chains verify everywhere', async () => {
    const marker = `Residency-Marker-${randomUUID()}`;
    const pinned = await openAccount(world.geode(EU), { residency: [EU], homeRegion: EU }, marker);
    await deposit(world.geode(EU), pinned, '4200');
    await Promise.all([writeSome(world.geode(EU), 2, 1), writeSome(world.geode(US), 2, 1)]);
    await waitForConvergence(world);

    expect(await tablesHolding(world.geode(EU), marker)).toEqual(['geode_events']);
    expect(await tablesHolding(world.geode(US), marker)).toEqual([]);
    expect(await tablesHolding(world.geode(AP), marker)).toEqual([]);

    const streamId = `account-${pinned}`;
    for (const region of [US, AP]) {
      const held = await query<{ redacted: boolean; stream_id: string }>(
        world.geode(region),
        `SELECT redacted, stream_id FROM geode_origin_log WHERE stream_id = $1 ORDER BY origin_seq`,
        [streamId],
      );
      expect(held).toEqual([
        { redacted: true, stream_id: streamId },
        { redacted: true, stream_id: streamId },
      ]);
      expect(await world.geode(region).store().readStream(streamId)).toEqual([]);
    }
    const [eu, us, ap] = await Promise.all(
      [EU, US, AP].map((r) => replicaFingerprint(world.geode(r))),
    );
    expect(us.chain).toEqual(eu.chain);
    expect(ap.chain).toEqual(eu.chain);
    expect(eu.events).toHaveLength(10);
    expect(us.events).toHaveLength(8);
    expect(ap.events).toEqual(us.events);
    expect(await chainsVerify(world)).toEqual([]);
  });
});
