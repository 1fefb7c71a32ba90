import { Pool } from 'pg';
import { chainHash, eventDigest, GENESIS_HASH } from '../canonical';
import type { ChainVerification, ReplicatedEvent } from '../event-store.port';
import { readOriginLog, toReplicationEntry } from './origin-log';

const PAGE = 1_000;

/**
 * Walks one origin's log from `fromSeq` and recomputes every link: seqs follow
 * each other, each hash extends the previous one, and where this geode holds
 * the payload, the payload still matches its digest. Reports the first entry
 * that fails (tampered payload, deleted or reordered entry).
 */
export async function verifyOriginChain(
  pool: Pool,
  origin: string,
  fromSeq: number,
): Promise<ChainVerification> {
  let previous = GENESIS_HASH;
  if (fromSeq > 1) {
    const { rows } = await pool.query<{ hash: string }>(
      `SELECT encode(hash, 'hex') AS hash FROM geode_origin_log WHERE origin_region = $1 AND origin_seq = $2`,
      [origin, fromSeq - 1],
    );
    if (!rows.length)
      return { origin, checked: 0, firstBroken: { seq: fromSeq - 1, reason: 'entry missing' } };
    previous = rows[0].hash;
  }
  let expected = fromSeq;
  let checked = 0;
  for (;;) {
    const rows = await readOriginLog(pool, origin, expected - 1, PAGE);
    for (const row of rows) {
      const seq = Number(row.origin_seq);
      const broken = (reason: string): ChainVerification => ({
        origin,
        checked,
        firstBroken: { seq: expected, reason },
      });
      if (seq !== expected) return broken(`entry missing (next entry held is ${seq})`);
      if (chainHash(previous, row.digest) !== row.hash)
        return broken('hash does not extend the previous entry');
      if (!row.redacted) {
        if (!row.held) return broken('event missing from the store');
        const event = toReplicationEntry(row, origin, null) as ReplicatedEvent;
        if (eventDigest(event) !== row.digest)
          return broken('stored event does not match its digest (altered)');
        if (row.dot_region !== origin) return broken('event was decided in another region');
      }
      previous = row.hash;
      expected += 1;
      checked += 1;
    }
    if (rows.length < PAGE) break;
  }
  // A deleted tail leaves no gap behind it; knowledge still remembers the head.
  const { rows: head } = await pool.query<{ seq: string; hash: string }>(
    `SELECT seq, encode(hash, 'hex') AS hash FROM geode_knowledge WHERE origin_region = $1`,
    [origin],
  );
  if (head.length && Number(head[0].seq) >= expected) {
    return {
      origin,
      checked,
      firstBroken: { seq: expected, reason: `entry missing (held up to ${head[0].seq})` },
    };
  }
  if (
    head.length &&
    Number(head[0].seq) === expected - 1 &&
    expected > fromSeq &&
    head[0].hash !== previous
  ) {
    return {
      origin,
      checked,
      firstBroken: { seq: expected - 1, reason: 'head differs from the recorded knowledge' },
    };
  }
  return { origin, checked, firstBroken: null };
}
