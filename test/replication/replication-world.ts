import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { GeodeWorld, WorldGeode } from '../support/geode-world';

/** HTTP calls of the account API against one geode of a world (`headers`: e.g. an operator's token). */
export async function call(
  geode: WorldGeode,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${geode.url}${path}`, {
    method,
    headers: { ...headers, ...(body !== undefined && { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}

/** Opens an account in `geode` (optionally pinned) and returns its id. */
export async function openAccount(
  geode: WorldGeode,
  extra: Record<string, unknown> = {},
  ownerName = 'Ada Lovelace',
): Promise<string> {
  const response = await call(geode, 'POST', '/v1/accounts', {
    accountId: randomUUID(),
    owner: { name: ownerName },
    currency: 'EUR',
    ...extra,
  });
  if (response.status !== 201)
    throw new Error(`open: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.accountId as string;
}

export async function deposit(geode: WorldGeode, accountId: string, amount = '100'): Promise<void> {
  const response = await call(geode, 'POST', `/v1/accounts/${accountId}/deposits`, { amount });
  if (response.status !== 200 && response.status !== 201) {
    throw new Error(`deposit: ${response.status} ${JSON.stringify(response.body)}`);
  }
}

/** Writes `accounts` accounts with `deposits` deposits each in `geode`: 1 + deposits events per account. */
export async function writeSome(
  geode: WorldGeode,
  accounts: number,
  deposits: number,
): Promise<string[]> {
  const ids = await Promise.all(Array.from({ length: accounts }, () => openAccount(geode)));
  for (let i = 0; i < deposits; i++)
    await Promise.all(ids.map((id) => deposit(geode, id, String(i + 1))));
  return ids;
}

export async function query<T extends object>(
  geode: WorldGeode,
  text: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new Client({ connectionString: geode.database.url });
  await client.connect();
  try {
    return (await client.query<T>(text, params)).rows;
  } finally {
    await client.end();
  }
}

/** What must be identical everywhere once replication settled. */
export async function replicaFingerprint(geode: WorldGeode) {
  const [events, chain, knowledge] = await Promise.all([
    query<{ event_id: string }>(geode, 'SELECT event_id FROM geode_events ORDER BY event_id'),
    query<{ origin_region: string; origin_seq: string; hash: string; redacted: boolean }>(
      geode,
      `SELECT origin_region, origin_seq, encode(hash, 'hex') AS hash FROM geode_origin_log
        ORDER BY origin_region, origin_seq`,
    ),
    geode.store().knowledge(),
  ]);
  return {
    events: events.map((row) => row.event_id),
    chain: chain.map((row) => `${row.origin_region}#${row.origin_seq}:${row.hash}`),
    knowledge,
  };
}

/** Waits until every geode holds every event decided anywhere (the origin stamped it, the others applied it). */
export async function waitForConvergence(world: GeodeWorld, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const vectors = await Promise.all(
      world.regions.map((region) => world.geode(region).store().knowledge()),
    );
    // Every event decided in a region, stamped or not yet: the head its origin log will reach.
    const decided = await Promise.all(
      world.regions.map((region) =>
        query<{ n: string }>(
          world.geode(region),
          'SELECT count(*) AS n FROM geode_events WHERE is_local',
        ),
      ),
    );
    const heads = Object.fromEntries(
      world.regions.map((region, i) => [region, Number(decided[i][0].n)]),
    );
    const behind = world.regions.flatMap((region, i) =>
      world.regions
        .filter((origin) => (vectors[i][origin] ?? 0) < heads[origin])
        .map(
          (origin) => `${region} holds ${origin} to ${vectors[i][origin] ?? 0} of ${heads[origin]}`,
        ),
    );
    if (!behind.length) return;
    if (Date.now() > deadline) {
      throw new Error(`no convergence within ${timeoutMs} ms: ${behind.join('; ')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Every origin's chain verifies in every geode. */
export async function chainsVerify(world: GeodeWorld): Promise<string[]> {
  const broken: string[] = [];
  for (const region of world.regions) {
    for (const origin of world.regions) {
      const result = await world.geode(region).store().verifyChain(origin);
      if (result.firstBroken)
        broken.push(`${region}/${origin}: ${JSON.stringify(result.firstBroken)}`);
    }
  }
  return broken;
}
