import { Pool } from 'pg';
import type { RedactedMarker, ReplicatedEvent } from '../event-store.port';
import { readOriginLog, toReplicationEntry } from '../postgres/origin-log';
import { Sequencer } from '../postgres/sequencer';
import { eventually } from './eventually';
import { sql } from './sql';

/**
 * Stamps every local event of `region` in the database at `url`: runs a
 * sequencer until the region's origin log holds `count` entries, then stops it.
 */
export async function stampAll(url: string, region: string, count: number): Promise<void> {
  const sequencer = new Sequencer({ url, region, leaseRetryMs: 50 });
  sequencer.start();
  try {
    await eventually(`${count} events of ${region} stamped`, async () => {
      const rows = await sql<{ seq: string }>(
        url,
        'SELECT seq FROM geode_knowledge WHERE origin_region = $1',
        [region],
      );
      return Number(rows[0]?.seq ?? 0) >= count ? true : undefined;
    });
  } finally {
    await sequencer.stop();
  }
}

/**
 * What a peer's feed would send a `receiver` for `origin`'s log after
 * `afterSeq`, read from the peer's database through the store's own reader.
 * `receiver: null` sends every payload, residency or not.
 */
export async function readOriginFeed(
  url: string,
  origin: string,
  receiver: string | null,
  afterSeq = 0,
): Promise<(ReplicatedEvent | RedactedMarker)[]> {
  const pool = new Pool({ connectionString: url, max: 1 });
  try {
    const rows = await readOriginLog(pool, origin, afterSeq, 100_000);
    return rows.map((row) => toReplicationEntry(row, origin, receiver));
  } finally {
    await pool.end();
  }
}
