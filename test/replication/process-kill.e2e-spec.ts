import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { startGeodeProcess, type GeodeProcess } from '../support/geode-process';
import { LinkProxy } from '../support/link-proxy';
import { createTestDatabase, type TestDatabase } from '../support/test-postgres';

jest.setTimeout(120_000);

const [EU, US] = ['eu-west-1', 'us-east-1'];

async function sql<T extends object>(database: TestDatabase, text: string): Promise<T[]> {
  const client = new Client({ connectionString: database.url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

async function until(
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`not reached within ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const heldFromEu = async (us: TestDatabase) =>
  Number(
    (
      await sql<{ seq: string }>(
        us,
        `SELECT seq FROM geode_knowledge WHERE origin_region = '${EU}'`,
      )
    )[0]?.seq ?? 0,
  );

/** The compiled geode (`npm run build` first), as separate processes: a real SIGKILL. */
describe('replication survives a geode process killed mid-catch-up (SIGKILL)', () => {
  const databases: TestDatabase[] = [];
  const processes: GeodeProcess[] = [];
  const proxies: LinkProxy[] = [];
  afterAll(async () => {
    const alive = processes.filter((p) => p.child.exitCode === null && p.child.signalCode === null);
    await Promise.all(alive.map((p) => p.stop('SIGKILL')));
    await Promise.all(proxies.map((p) => p.close()));
    await Promise.all(databases.map((d) => d.drop()));
  });

  it('restarted on its database, it resumes from its stored vector: nothing lost, nothing twice, the chain verifies', async () => {
    const [euDb, usDb] = await Promise.all([createTestDatabase(), createTestDatabase()]);
    databases.push(euDb, usDb);
    const [toEu, toUs] = await Promise.all([LinkProxy.start(), LinkProxy.start()]);
    proxies.push(toEu, toUs);
    const key = randomBytes(32).toString('base64');
    const env = (region: string, db: TestDatabase, peer: string, peerUrl: string) => ({
      PATH: process.env.PATH,
      LOG_LEVEL: 'warn',
      GEODE_REGION: region,
      GEODE_PORT: '0',
      DATABASE_URL: db.url,
      GEODE_PEERS: `${peer}=${peerUrl}`,
      GEODE_PEER_AUTH: 'hmac',
      GEODE_PEER_KEYS: `${peer}=${key}`,
      GEODE_REPLICATION_HEARTBEAT_MS: '200',
      GEODE_REPLICATION_RETRY_MAX_MS: '300',
    });
    const eu = await startGeodeProcess([], env(EU, euDb, US, toUs.url));
    processes.push(eu);
    toEu.setTarget(Number(new URL(eu.url).port));

    // 600 events in eu while us does not exist yet.
    const accounts = await Promise.all(
      Array.from({ length: 60 }, async () => {
        const response = await fetch(`${eu.url}/v1/accounts`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ owner: { name: 'Kill Test' }, currency: 'EUR' }),
        });
        return ((await response.json()) as { accountId: string }).accountId;
      }),
    );
    for (let round = 0; round < 9; round++) {
      await Promise.all(
        accounts.map((id) =>
          fetch(`${eu.url}/v1/accounts/${id}/deposits`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: '{"amount":"5"}',
          }).then((response) => response.arrayBuffer()),
        ),
      );
    }
    await until('eu stamped its 600 events', async () => {
      const [row] = await sql<{ seq: string }>(
        euDb,
        `SELECT seq FROM geode_knowledge WHERE origin_region = '${EU}'`,
      );
      return Number(row?.seq) === 600;
    });

    // us starts catching up; it is killed as soon as it holds part of eu's log.
    let us = await startGeodeProcess([], env(US, usDb, EU, toEu.url));
    processes.push(us);
    toUs.setTarget(Number(new URL(us.url).port));
    await until('us holds part of eu', async () => (await heldFromEu(usDb)) > 0, 30_000);
    expect(await us.stop('SIGKILL')).toBeNull();
    const atKill = await heldFromEu(usDb);

    us = await startGeodeProcess([], env(US, usDb, EU, toEu.url));
    processes.push(us);
    await until('us holds all of eu', async () => (await heldFromEu(usDb)) === 600);

    const [counts] = await sql<{ events: string; distinct_events: string; entries: string }>(
      usDb,
      `SELECT (SELECT count(*) FROM geode_events) AS events,
              (SELECT count(DISTINCT event_id) FROM geode_events) AS distinct_events,
              (SELECT count(*) FROM geode_origin_log) AS entries`,
    );
    expect(counts).toEqual({ events: '600', distinct_events: '600', entries: '600' });
    const [euIds, usIds] = await Promise.all(
      [euDb, usDb].map((db) =>
        sql<{ event_id: string }>(db, 'SELECT event_id FROM geode_events ORDER BY 1'),
      ),
    );
    expect(usIds).toEqual(euIds);
    const [euChain, usChain] = await Promise.all(
      [euDb, usDb].map((db) =>
        sql<{ h: string }>(
          db,
          `SELECT encode(hash, 'hex') AS h FROM geode_origin_log ORDER BY origin_seq`,
        ),
      ),
    );
    expect(usChain).toEqual(euChain);
    // Typically 500 (one feed page applied, the next in flight when the process died).
    expect(atKill).toBeGreaterThan(0);
    expect(atKill).toBeLessThanOrEqual(600);
  });
});
