import { Client } from 'pg';
// The key file alone: the sequencer runs in a worker thread, which should not load Nest and TypeORM.
import { AdvisoryLock } from '../../../database/src/advisory-locks';
import { bodyDigest, chainHash, envelopeDigest, GENESIS_HASH } from '../canonical';
import type { JsonObject, VersionVector } from '../event-envelope';

export interface SequencerLog {
  info(message: string): void;
  warn(message: string): void;
}

export interface StampedBatch {
  stamped: number;
  /** Per stamped event: from its append (transaction start) to its stamp, in ms. */
  lagsMs: number[];
  lastSeq: number;
}

export interface SequencerOptions {
  url: string;
  region: string;
  batchSize?: number;
  /** How often a standby tries to take the lease. */
  leaseRetryMs?: number;
  log?: SequencerLog;
  onBatch?: (batch: StampedBatch) => void;
  onLeadership?: (leader: boolean) => void;
}

/**
 * The sequencer's state and, when there are any, one event of the log past its
 * checkpoint (`position` null: none). Events decided here (`mine`) carry what
 * their envelope needs; `body` is null for rows written without a body digest
 * (before migration AppendBodyDigest), whose content is read separately.
 */
interface CandidateRow {
  xmin: string;
  seq: string | null;
  hash: string | null;
  position: string | null;
  tx_id: string;
  mine: boolean;
  event_id: string;
  stream_id: string;
  dot_n: string | null;
  deps: VersionVector | null;
  residency: string[] | null;
  body: string | null;
  lag_ms: number;
}

interface LegacyRow {
  event_id: string;
  stream_id: string;
  type: string;
  schema_version: number;
  data: JsonObject;
  metadata: JsonObject;
  hlc_wall: string;
  hlc_logical: number;
}

const CHECKPOINT = 'sequencer';
const IDLE_RECHECK_MS = 1_000;
/**
 * Under steady load, wait this long after a partial batch so the next one is
 * worth a transaction. Short: at low rates it is most of the stamping lag that
 * replication waits on (10 ms gave ~7 ms p50 at ~1,000 events/s; ADR 0010 §6),
 * and at high rates batches are big enough that it is skipped.
 */
const GATHER_MS = 2;
/** A batch at least this big means stamping is busy: the next one starts without gathering. */
const BUSY_BATCH = 250;
const BLOCKED_BACKOFF_MS = [1, 2, 5, 10, 20, 50];
const silent: SequencerLog = { info: () => undefined, warn: () => undefined };

/**
 * Stamps this region's committed events with gap-free `origin.seq` and the
 * chain hash, in log order, in batches (DESIGN.md §2). One runs per region: it
 * holds an advisory lock on the connection it stamps with, so if its process
 * dies the lock goes with the connection and a standby takes over. It reads
 * below the transaction horizon, so it never stamps across a gap that could
 * still fill.
 */
export class Sequencer {
  private client?: Client;
  private stopped = false;
  private running?: Promise<void>;
  /** Ends the current pause early on a notification (not set while gathering). */
  private wake?: () => void;
  /** Ends the current pause early whatever it is (stop, a connection error). */
  private interrupt?: () => void;
  private latestTx = 0n;
  /** Counts wake-ups, so a wake that comes while a batch runs is not lost. */
  private wakes = 0;
  private leader = false;

  constructor(private readonly options: SequencerOptions) {}

  get isLeader(): boolean {
    return this.leader;
  }

  start(): void {
    this.running ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.interrupt?.();
    await this.client?.end().catch(() => undefined);
    await this.running;
  }

  private get log(): SequencerLog {
    return this.options.log ?? silent;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        const client = await this.takeLease();
        if (!client) return;
        this.setLeader(true);
        this.log.info(`sequencer of ${this.options.region} holds the lease`);
        await this.stampWhileLeader(client);
      } catch (error) {
        if (!this.stopped)
          this.log.warn(`sequencer stopped stamping (${(error as Error).message}); retrying`);
      } finally {
        this.setLeader(false);
        await this.client?.end().catch(() => undefined);
        this.client = undefined;
      }
      if (!this.stopped) await sleep(this.options.leaseRetryMs ?? 1_000);
    }
  }

  private setLeader(leader: boolean): void {
    if (this.leader === leader) return;
    this.leader = leader;
    this.options.onLeadership?.(leader);
  }

  /** Connects and waits until this process holds the region's sequencer lock. */
  private async takeLease(): Promise<Client | undefined> {
    while (!this.stopped) {
      const client = new Client({
        connectionString: this.options.url,
        application_name: `geode-${this.options.region}-sequencer`,
      });
      client.on('error', () => this.interrupt?.());
      await client.connect();
      this.client = client;
      for (;;) {
        const { rows } = await client.query<{ locked: boolean }>(
          'SELECT pg_try_advisory_lock($1) AS locked',
          [AdvisoryLock.sequencer.toString()],
        );
        if (rows[0].locked) return client;
        await this.pause(this.options.leaseRetryMs ?? 1_000);
        if (this.stopped) return undefined;
      }
    }
    return undefined;
  }

  private async stampWhileLeader(client: Client): Promise<void> {
    client.on('notification', (message) => {
      const tx = message.payload ? BigInt(message.payload) : 0n;
      if (tx > this.latestTx) this.latestTx = tx;
      this.wakes += 1;
      this.wake?.();
    });
    await client.query('LISTEN geode_log');
    let blocked = 0;
    while (!this.stopped) {
      const seen = this.wakes;
      const { stamped, full, horizon } = await this.stampBatch(client);
      if (full) continue;
      if (this.wakes !== seen) {
        // More commits came while this batch ran. After a small batch, let them
        // gather (one transaction for many commits, not one per notification);
        // after a big one, go on at once: its own duration did the gathering.
        if (stamped < BUSY_BATCH) await this.pause(GATHER_MS, false);
        continue;
      }
      if (stamped > 0) blocked = 0;
      if (this.latestTx >= horizon) {
        // A commit we were told about is still behind an older running transaction.
        await this.pause(BLOCKED_BACKOFF_MS[Math.min(blocked++, BLOCKED_BACKOFF_MS.length - 1)]);
      } else {
        blocked = 0;
        await this.pause(IDLE_RECHECK_MS);
      }
    }
  }

  /**
   * Stamps up to a batch of this region's events, in log order: one statement
   * reads the state and the events below the horizon, one statement (atomic
   * on its own) writes the stamps, the region's knowledge and the checkpoint.
   * Both run on the connection that holds the lease.
   */
  async stampBatch(client: Client): Promise<{ stamped: number; full: boolean; horizon: bigint }> {
    const region = this.options.region;
    const limit = this.options.batchSize ?? 2_000;
    const { rows } = await client.query<CandidateRow>(
      `WITH state AS MATERIALIZED ( -- one horizon, for the filter and for the caller
         SELECT geode_log_horizon() AS xmin,
                coalesce(c.tx_id, '0'::xid8) AS after_tx, coalesce(c.position, 0) AS after_position,
                k.seq, encode(k.hash, 'hex') AS hash
           FROM (SELECT 1) one
           LEFT JOIN geode_checkpoints c ON c.name = $1
           LEFT JOIN geode_knowledge k ON k.origin_region = $2
       )
       SELECT s.xmin::text AS xmin, s.seq, s.hash, e.*
         FROM state s
         LEFT JOIN LATERAL (
           SELECT e.position, e.tx_id::text AS tx_id, m.mine, e.event_id, e.stream_id,
                  CASE WHEN mine THEN e.dot_n END AS dot_n, CASE WHEN mine THEN e.deps END AS deps,
                  CASE WHEN mine THEN e.residency END AS residency,
                  CASE WHEN mine THEN encode(e.body_digest, 'hex') END AS body,
                  (extract(epoch FROM clock_timestamp() - e.recorded_at) * 1000)::float8 AS lag_ms
             FROM geode_events e, LATERAL (SELECT e.is_local AND e.dot_region = $2) AS m(mine)
            WHERE (e.tx_id, e.position) > (s.after_tx, s.after_position) AND e.tx_id < s.xmin
            ORDER BY e.tx_id, e.position
            LIMIT $3
         ) e ON true`,
      [CHECKPOINT, region, limit],
    );
    const horizon = BigInt(rows[0].xmin);
    const events = rows[0].position === null ? [] : rows;
    if (!events.length) return { stamped: 0, full: false, horizon };
    let seq = rows[0].seq === null ? 0 : Number(rows[0].seq);
    let hash = rows[0].hash ?? GENESIS_HASH;
    const legacyBodies = await this.legacyBodyDigests(client, events);
    const firstSeq = seq + 1;
    const ids: string[] = [];
    const streams: string[] = [];
    const digests: string[] = [];
    const hashes: string[] = [];
    const lagsMs: number[] = [];
    for (const row of events) {
      if (!row.mine) continue; // replicated, or not decided here: stamped by its origin
      seq += 1;
      const digest = envelopeDigest({
        body: row.body ?? legacyBodies.get(row.event_id)!,
        dot: { region, n: Number(row.dot_n) },
        deps: row.deps!,
        residency: row.residency,
        origin: { region, seq },
      });
      hash = chainHash(hash, digest);
      if (row.stream_id.includes(',')) throw new Error(`stream id ${row.stream_id} holds a comma`);
      ids.push(row.event_id);
      streams.push(row.stream_id);
      digests.push(digest);
      hashes.push(hash);
      lagsMs.push(row.lag_ms);
    }
    const last = events[events.length - 1];
    // One statement writes the stamps, the region's knowledge and the checkpoint.
    // The columns go as comma-joined text, split by the server: sent as arrays,
    // every element would be escaped one by one. None holds a comma (UUIDs,
    // hex, stream ids by their pattern; checked above).
    await client.query(
      `WITH stamps AS (
         INSERT INTO geode_origin_log (origin_region, origin_seq, event_id, stream_id, digest, hash)
         SELECT $1::text, $7::bigint + x.i - 1, x.event_id::uuid, x.stream_id,
                decode(x.digest, 'hex'), decode(x.hash, 'hex')
           FROM unnest(string_to_array($8, ','), string_to_array($9, ','),
                       string_to_array($10, ','), string_to_array($11, ','))
                WITH ORDINALITY AS x(event_id, stream_id, digest, hash, i)
         RETURNING 1
       ), head AS (
         INSERT INTO geode_knowledge (origin_region, seq, hash)
         SELECT $1::text, $2::bigint, decode($3::text, 'hex') WHERE $2::bigint > 0
         ON CONFLICT (origin_region) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash, updated_at = now()
         RETURNING 1
       ), checkpoint AS (
         INSERT INTO geode_checkpoints (name, tx_id, position) VALUES ($4::text, $5::xid8, $6::bigint)
         ON CONFLICT (name) DO UPDATE SET tx_id = EXCLUDED.tx_id, position = EXCLUDED.position, updated_at = now()
         RETURNING 1
       )
       SELECT (SELECT count(*) FROM stamps) AS stamped,
              CASE WHEN (SELECT count(*) FROM stamps) > 0 THEN pg_notify('geode_stamped', $1::text || ':' || $2::text) END`,
      [
        region,
        seq,
        hash,
        CHECKPOINT,
        last.tx_id,
        last.position,
        firstSeq,
        ids.join(','),
        streams.join(','),
        digests.join(','),
        hashes.join(','),
      ],
    );
    const stamped = ids.length;
    if (stamped) this.options.onBatch?.({ stamped, lagsMs, lastSeq: seq });
    return { stamped, full: events.length === limit, horizon };
  }

  /** Body digests of rows appended before they were stored, from the rows' content. */
  private async legacyBodyDigests(
    client: Client,
    rows: CandidateRow[],
  ): Promise<Map<string, string>> {
    const ids = rows.filter((row) => row.mine && row.body === null).map((row) => row.event_id);
    if (!ids.length) return new Map();
    const { rows: legacy } = await client.query<LegacyRow>(
      `SELECT event_id, stream_id, type, schema_version, data, metadata, hlc_wall, hlc_logical
         FROM geode_events WHERE event_id = ANY ($1::uuid[])`,
      [ids],
    );
    return new Map(legacy.map((row) => [row.event_id, legacyBodyDigest(row)]));
  }

  private pause(ms: number, byNotification = true): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = byNotification ? done : undefined;
      this.interrupt = done;
      if (this.stopped) done();
    });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A row appended before body digests were stored: its body is digested from its content. */
function legacyBodyDigest(row: LegacyRow): string {
  return bodyDigest({
    eventId: row.event_id,
    streamId: row.stream_id,
    type: row.type,
    schemaVersion: row.schema_version,
    data: row.data,
    metadata: row.metadata,
    hlc: { wallMs: Number(row.hlc_wall), logical: row.hlc_logical },
  });
}
