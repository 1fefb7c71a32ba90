import { Inject, Injectable } from '@nestjs/common';
import type { LogFilter, StoredEvent } from '@geode/event-store';
import { forkId, MERGE_EVENT_TYPE, readMergeRecord, streamHeads } from '@geode/merge';
import type { Projection, ProjectionContext, ProjectionSchemaContext } from '@geode/projections';
import { GEODE_CONFIG } from '../config/geode-config.provider';
import type { GeodeConfig } from '../config/geode-config';
import { CONFLICT_TABLES, conflictTableStatements, type ConflictTable } from './conflict-tables';
import { MERGE_POLICIES, type MergePolicies } from './merge-policies';

export const CONFLICTS_PROJECTION_NAME = 'conflicts';
export const CONFLICTS_SCHEMA = 'conflicts';

interface TipRow {
  stream_id: string;
  region: string;
  n: string;
  event_id: string;
  deps: Record<string, number>;
  hlc_wall: string;
  hlc_logical: number;
}

interface Tip {
  eventId: string;
  dot: { region: string; n: number };
  deps: Record<string, number>;
  hlc: { wallMs: number; logical: number };
}

/**
 * The fork detector (ADR 0012): follows every stream that has a merge policy
 * through the local log, keeps per stream the highest dot of each region (the
 * only possible heads), and records a conflict whenever a stream holds more
 * than one head: wherever the concurrent events meet, a local write and a
 * replicated one included. Merge events it sees close the conflicts whose
 * heads they joined. Side-effect free: the merger, not this, writes merges.
 */
@Injectable()
export class ForkDetectorProjection implements Projection {
  readonly name = CONFLICTS_PROJECTION_NAME;
  readonly version = 1;
  readonly schema = CONFLICTS_SCHEMA;
  readonly filter: LogFilter;

  constructor(
    @Inject(GEODE_CONFIG) private readonly config: GeodeConfig,
    @Inject(MERGE_POLICIES) policies: MergePolicies,
  ) {
    this.filter = { categories: policies.map((policy) => policy.category) };
  }

  async createTables(ctx: ProjectionSchemaContext): Promise<void> {
    for (const statement of conflictTableStatements((name) => ctx.table(CONFLICT_TABLES[name])))
      await ctx.manager.query(statement);
  }

  async apply(events: readonly StoredEvent[], ctx: ProjectionContext): Promise<void> {
    const t = (name: ConflictTable) => ctx.table(CONFLICT_TABLES[name]);
    const streams = [...new Set(events.map((event) => event.streamId))];
    const rows = await ctx.manager.query<TipRow[]>(
      `SELECT * FROM ${t('tips')} WHERE stream_id = ANY ($1::text[])`,
      [streams],
    );
    const tips = new Map<string, Map<string, Tip>>(streams.map((s) => [s, new Map()]));
    for (const row of rows)
      tips.get(row.stream_id)!.set(row.region, {
        eventId: row.event_id,
        dot: { region: row.region, n: Number(row.n) },
        deps: row.deps,
        hlc: { wallMs: Number(row.hlc_wall), logical: row.hlc_logical },
      });
    const changed = new Set<string>();
    // Per stream, the heads last recorded in this batch: a fork that lasts is written once.
    const recorded = new Map<string, string>();
    for (const event of events) {
      const streamTips = tips.get(event.streamId)!;
      const held = streamTips.get(event.dot.region);
      if (!held || held.dot.n < event.dot.n) {
        streamTips.set(event.dot.region, event);
        changed.add(event.streamId);
      }
      if (event.type === MERGE_EVENT_TYPE) await this.recordMerge(event, t, ctx);
      const heads = streamHeads([...streamTips.values()]);
      const key = heads.map((head) => head.eventId).join();
      if (heads.length > 1 && recorded.get(event.streamId) !== key) {
        await this.recordFork(event.streamId, heads, t, ctx);
        recorded.set(event.streamId, key);
      }
    }
    const saved = [...changed].flatMap((streamId) =>
      [...tips.get(streamId)!.values()].map((tip) => ({ streamId, tip })),
    );
    if (saved.length > 0)
      await ctx.manager.query(
        `INSERT INTO ${t('tips')} (stream_id, region, n, event_id, deps, hlc_wall, hlc_logical)
         SELECT x.stream_id, x.region, x.n, x.event_id, x.deps, x.hlc_wall, x.hlc_logical
           FROM jsonb_to_recordset($1::jsonb) AS x(stream_id text, region text, n bigint, event_id uuid,
                deps jsonb, hlc_wall bigint, hlc_logical integer)
         ON CONFLICT (stream_id, region) DO UPDATE SET n = excluded.n, event_id = excluded.event_id,
           deps = excluded.deps, hlc_wall = excluded.hlc_wall, hlc_logical = excluded.hlc_logical`,
        [
          JSON.stringify(
            saved.map(({ streamId, tip }) => ({
              stream_id: streamId,
              region: tip.dot.region,
              n: tip.dot.n,
              event_id: tip.eventId,
              deps: tip.deps,
              hlc_wall: tip.hlc.wallMs,
              hlc_logical: tip.hlc.logical,
            })),
          ),
        ],
      );
  }

  private async recordFork(
    streamId: string,
    heads: readonly Tip[],
    t: (name: ConflictTable) => string,
    ctx: ProjectionContext,
  ): Promise<void> {
    const ids = heads.map((head) => head.eventId.toLowerCase()).sort();
    const latest = heads[heads.length - 1]; // canonical order: the fork exists from the latest head on
    await ctx.manager.query(
      `INSERT INTO ${t('conflicts')} (conflict_id, stream_id, heads, forked_at_wall, forked_at_logical,
                                       detected_in_region, status)
       VALUES ($1, $2, $3::uuid[], $4, $5, $6, 'pending') ON CONFLICT (conflict_id) DO NOTHING`,
      [
        forkId(streamId, ids),
        streamId,
        ids,
        latest.hlc.wallMs,
        latest.hlc.logical,
        this.config.region,
      ],
    );
  }

  private async recordMerge(
    event: StoredEvent,
    t: (name: ConflictTable) => string,
    ctx: ProjectionContext,
  ): Promise<void> {
    const read = readMergeRecord(event.type, event.schemaVersion, event.data);
    if (!read.ok || read.record.streamId !== event.streamId) return; // a peer's bad merge: every region ignores it alike
    const { record } = read;
    await ctx.manager.query(
      `INSERT INTO ${t('merges')} (event_id, stream_id, heads, concurrent, strategy, resolver, resolver_version,
                                    outcome, compensations, resolved_by, hlc_wall, hlc_logical, dot_region, dot_n)
       VALUES ($1, $2, $3::uuid[], $4::uuid[], $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
       ON CONFLICT (event_id) DO NOTHING`,
      [
        event.eventId,
        event.streamId,
        record.heads,
        record.concurrentEvents,
        record.strategy,
        record.resolver.name,
        record.resolver.version,
        JSON.stringify(record.outcome),
        JSON.stringify(record.compensations),
        JSON.stringify(record.resolvedBy),
        event.hlc.wallMs,
        event.hlc.logical,
        event.dot.region,
        event.dot.n,
      ],
    );
    // The fork it closes, even if this region never held its heads apart (the merge came first).
    await ctx.manager.query(
      `INSERT INTO ${t('conflicts')} AS c (conflict_id, stream_id, heads, forked_at_wall, forked_at_logical,
                                       detected_in_region, status, merge_event_id)
       VALUES ($1, $2, $3::uuid[], $4, $5, $6, 'resolved', $7)
       ON CONFLICT (conflict_id) DO UPDATE SET status = 'resolved', merge_event_id = excluded.merge_event_id
        WHERE c.status = 'pending'`,
      [
        forkId(event.streamId, record.heads),
        event.streamId,
        record.heads,
        record.forkedAt.wallMs,
        record.forkedAt.logical,
        this.config.region,
        event.eventId,
      ],
    );
    // Every pending fork of the stream whose heads the merge had seen is closed by it.
    await ctx.manager.query(
      `UPDATE ${t('conflicts')} SET status = 'resolved', merge_event_id = $2
        WHERE stream_id = $1 AND status = 'pending' AND heads <@ $3::uuid[]`,
      [event.streamId, event.eventId, record.concurrentEvents],
    );
  }
}
