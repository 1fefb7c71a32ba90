import { Client } from 'pg';
// The key file alone: the sequencer runs in a worker thread, which should not load Nest and TypeORM.
import { AdvisoryLock } from '../../../database/src/advisory-locks';
import { chainHash, eventDigest, GENESIS_HASH } from '../canonical';
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

interface CandidateRow {
  position: string;
  tx_id: string;
  is_local: boolean;
  event_id: string;
  stream_id: string;
  type: string | null;
  schema_version: number | null;
  data: JsonObject | null;
  metadata: JsonObject | null;
  dot_n: string | null;
  deps: VersionVector | null;
  hlc_wall: string | null;
  hlc_logical: number | null;
  residency: string[] | null;
  lag_ms: number;
}

const CHECKPOINT = 'sequencer';
const IDLE_RECHECK_MS = 1_000;
/** Under steady load, wait this long after a partial batch so the next one is worth a transaction. */
const GATHER_MS = 25;
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
  private wake?: () => void;
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
    this.wake?.();
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
      client.on('error', () => this.wake?.());
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
        await this.pause(GATHER_MS);
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

  /** One transaction: stamp up to a batch of this region's events, in log order. */
  async stampBatch(client: Client): Promise<{ stamped: number; full: boolean; horizon: bigint }> {
    const region = this.options.region;
    const limit = this.options.batchSize ?? 2_000;
    await client.query('BEGIN');
    try {
      // Reads first, before this transaction has an id of its own.
      const { rows: stateRows } = await client.query<{
        xmin: string;
        tx_id: string | null;
        position: string | null;
        seq: string | null;
        hash: string | null;
      }>(
        `SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin, c.tx_id::text, c.position,
                k.seq, encode(k.hash, 'hex') AS hash
           FROM (SELECT 1) one
           LEFT JOIN geode_checkpoints c ON c.name = $1
           LEFT JOIN geode_knowledge k ON k.origin_region = $2`,
        [CHECKPOINT, region],
      );
      const state = stateRows[0];
      const horizon = state.xmin;
      const after = { tx_id: state.tx_id ?? '0', position: state.position ?? '0' };
      const { rows } = await client.query<CandidateRow>(
        `SELECT e.position, e.tx_id::text AS tx_id, e.is_local, e.event_id, e.stream_id,
                CASE WHEN mine THEN e.type END AS type, CASE WHEN mine THEN e.schema_version END AS schema_version,
                CASE WHEN mine THEN e.data END AS data, CASE WHEN mine THEN e.metadata END AS metadata,
                CASE WHEN mine THEN e.dot_n END AS dot_n, CASE WHEN mine THEN e.deps END AS deps,
                CASE WHEN mine THEN e.hlc_wall END AS hlc_wall, CASE WHEN mine THEN e.hlc_logical END AS hlc_logical,
                CASE WHEN mine THEN e.residency END AS residency,
                extract(epoch FROM clock_timestamp() - e.recorded_at) * 1000 AS lag_ms
           FROM geode_events e, LATERAL (SELECT e.is_local AND e.dot_region = $4) AS m(mine)
          WHERE (e.tx_id, e.position) > ($1::xid8, $2::bigint) AND e.tx_id < $3::xid8
          ORDER BY e.tx_id, e.position
          LIMIT $5`,
        [after.tx_id, after.position, horizon, region, limit],
      );
      if (!rows.length) {
        await client.query('COMMIT');
        return { stamped: 0, full: false, horizon: BigInt(horizon) };
      }
      let seq = state.seq === null ? 0 : Number(state.seq);
      let hash = state.hash ?? GENESIS_HASH;
      const entries: object[] = [];
      const lagsMs: number[] = [];
      for (const row of rows) {
        if (!row.type) continue; // replicated, or not decided here: stamped by its origin
        seq += 1;
        const digest = eventDigest({
          eventId: row.event_id,
          streamId: row.stream_id,
          type: row.type,
          schemaVersion: row.schema_version!,
          data: row.data!,
          metadata: row.metadata!,
          dot: { region, n: Number(row.dot_n) },
          deps: row.deps!,
          hlc: { wallMs: Number(row.hlc_wall), logical: row.hlc_logical! },
          residency: row.residency,
          origin: { region, seq },
        });
        hash = chainHash(hash, digest);
        entries.push({
          origin_seq: seq,
          event_id: row.event_id,
          stream_id: row.stream_id,
          digest,
          hash,
        });
        lagsMs.push(Number(row.lag_ms));
      }
      const last = rows[rows.length - 1];
      // One statement writes the stamps, the region's knowledge and the checkpoint.
      await client.query(
        `WITH stamps AS (
           INSERT INTO geode_origin_log (origin_region, origin_seq, event_id, stream_id, digest, hash)
           SELECT $1::text, x.origin_seq, x.event_id, x.stream_id, decode(x.digest, 'hex'), decode(x.hash, 'hex')
             FROM jsonb_to_recordset($2::jsonb)
               AS x(origin_seq bigint, event_id uuid, stream_id text, digest text, hash text)
           RETURNING 1
         ), head AS (
           INSERT INTO geode_knowledge (origin_region, seq, hash)
           SELECT $1::text, $3::bigint, decode($4::text, 'hex') WHERE $3::bigint > 0
           ON CONFLICT (origin_region) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash, updated_at = now()
           RETURNING 1
         ), checkpoint AS (
           INSERT INTO geode_checkpoints (name, tx_id, position) VALUES ($5::text, $6::xid8, $7::bigint)
           ON CONFLICT (name) DO UPDATE SET tx_id = EXCLUDED.tx_id, position = EXCLUDED.position, updated_at = now()
           RETURNING 1
         )
         SELECT (SELECT count(*) FROM stamps) AS stamped,
                CASE WHEN (SELECT count(*) FROM stamps) > 0 THEN pg_notify('geode_stamped', $1::text || ':' || $3::text) END`,
        [region, JSON.stringify(entries), seq, hash, CHECKPOINT, last.tx_id, last.position],
      );
      await client.query('COMMIT');
      if (entries.length) this.options.onBatch?.({ stamped: entries.length, lagsMs, lastSeq: seq });
      return { stamped: entries.length, full: rows.length === limit, horizon: BigInt(horizon) };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
