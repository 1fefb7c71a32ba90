import { Inject, Injectable } from '@nestjs/common';
import type { LogFilter, StoredEvent } from '@geode/event-store';
import { detectFork, forkId, MERGE_EVENT_TYPE, readMergeRecord } from '@geode/merge';
import type { Projection, ProjectionContext, ProjectionSchemaContext } from '@geode/projections';
import { GEODE_CONFIG } from '../config/geode-config.provider';
import type { GeodeConfig } from '../config/geode-config';
import { CONFLICT_TABLES, conflictTableStatements, type ConflictTable } from './conflict-tables';
import { MERGE_POLICIES, type MergePolicies } from './merge-policies';

export const CONFLICTS_PROJECTION_NAME = 'conflicts';
export const CONFLICTS_SCHEMA = 'conflicts';

interface CausalRow {
  stream_id: string;
  region: string;
  n: string;
  event_id: string;
  deps: Record<string, number>;
  hlc_wall: string;
  hlc_logical: number;
  merge: boolean;
}

/** An event as the detector keeps it: its causality, its place, and whether it is a merge. */
interface CausalEvent {
  eventId: string;
  dot: { region: string; n: number };
  deps: Record<string, number>;
  hlc: { wallMs: number; logical: number };
  type?: string;
}

/** One stream's state during a batch: its latest dot per region, and its whole history once needed. */
interface StreamView {
  tips: Map<string, CausalEvent>;
  /** Events of this batch so far, in log order. */
  arrived: CausalEvent[];
  /** Everything held, loaded the first time an event of the batch could change the stream's forks. */
  history: CausalEvent[] | null;
  /** The heads last recorded in this batch: a fork that lasts is written once. */
  recorded: string | null;
}

/**
 * The fork detector (ADR 0012): follows every stream that has a merge policy
 * through the local log and records a conflict whenever the stream holds
 * concurrent events that no merge has seen (`detectFork`), wherever they meet,
 * a local write and a replicated one included, and even when a later ordinary
 * write had seen both. It keeps each followed event's causality (dot, deps,
 * HLC). Only an event that had not seen some latest dot can make or complete
 * a fork, so the whole history of a stream is read just for those. A fork is
 * recorded once nothing its merge would follow is missing. Merge events close
 * the conflicts whose heads they joined. Side-effect free: the merger, not
 * this, writes merges.
 */
@Injectable()
export class ForkDetectorProjection implements Projection {
  readonly name = CONFLICTS_PROJECTION_NAME;
  /** 2: every event's causality is kept (not only the latest per region), for hidden forks. */
  readonly version = 2;
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
    const views = await this.latestDots(events, t, ctx);
    const kept: { streamId: string; event: CausalEvent }[] = [];
    for (const stored of events) {
      const view = views.get(stored.streamId)!;
      const event = causalOf(stored);
      const mayFork = !hadSeenEveryTip(event, view.tips);
      if (mayFork && view.history === null)
        view.history = [...(await this.history(stored.streamId, t, ctx)), ...view.arrived];
      view.arrived.push(event);
      view.history?.push(event);
      kept.push({ streamId: stored.streamId, event });
      const tip = view.tips.get(event.dot.region);
      if (!tip || tip.dot.n < event.dot.n) view.tips.set(event.dot.region, event);
      if (stored.type === MERGE_EVENT_TYPE) await this.recordMerge(stored, t, ctx);
      if (!mayFork) continue; // it had seen everything held: no new concurrency, the forks stay
      const fork = detectFork(view.history!);
      // Recorded once complete: until the events its heads depend on arrive, what is concurrent
      // is not known yet (one of them may show that a head had seen the other).
      if (!fork || fork.missing.length > 0) continue;
      const key = fork.heads.map((head) => head.eventId).join();
      if (view.recorded !== key) {
        await this.recordFork(stored.streamId, fork.heads, t, ctx);
        view.recorded = key;
      }
    }
    await ctx.manager.query(
      `INSERT INTO ${t('events')} (stream_id, region, n, event_id, deps, hlc_wall, hlc_logical, merge)
       SELECT x.stream_id, x.region, x.n, x.event_id, x.deps, x.hlc_wall, x.hlc_logical, x.merge
         FROM jsonb_to_recordset($1::jsonb) AS x(stream_id text, region text, n bigint, event_id uuid,
              deps jsonb, hlc_wall bigint, hlc_logical integer, merge boolean)
       ON CONFLICT (stream_id, region, n) DO NOTHING`,
      [
        JSON.stringify(
          kept.map(({ streamId, event }) => ({
            stream_id: streamId,
            region: event.dot.region,
            n: event.dot.n,
            event_id: event.eventId,
            deps: event.deps,
            hlc_wall: event.hlc.wallMs,
            hlc_logical: event.hlc.logical,
            merge: event.type === MERGE_EVENT_TYPE,
          })),
        ),
      ],
    );
  }

  /** Per stream of the batch, the latest event held of each region. */
  private async latestDots(
    events: readonly StoredEvent[],
    t: (name: ConflictTable) => string,
    ctx: ProjectionContext,
  ): Promise<Map<string, StreamView>> {
    const streams = [...new Set(events.map((event) => event.streamId))];
    const rows = await ctx.manager.query<CausalRow[]>(
      `SELECT DISTINCT ON (stream_id, region) * FROM ${t('events')}
        WHERE stream_id = ANY ($1::text[]) ORDER BY stream_id, region, n DESC`,
      [streams],
    );
    const views = new Map<string, StreamView>(
      streams.map((streamId) => [
        streamId,
        { tips: new Map(), arrived: [], history: null, recorded: null },
      ]),
    );
    for (const row of rows) views.get(row.stream_id)!.tips.set(row.region, fromRow(row));
    return views;
  }

  /** Everything held of the stream: earlier batches' rows and this batch's events so far. */
  private async history(
    streamId: string,
    t: (name: ConflictTable) => string,
    ctx: ProjectionContext,
  ): Promise<CausalEvent[]> {
    const rows = await ctx.manager.query<CausalRow[]>(
      `SELECT * FROM ${t('events')} WHERE stream_id = $1`,
      [streamId],
    );
    return rows.map(fromRow);
  }

  private async recordFork(
    streamId: string,
    heads: readonly CausalEvent[],
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

function causalOf(event: StoredEvent): CausalEvent {
  return {
    eventId: event.eventId,
    dot: event.dot,
    deps: event.deps,
    hlc: event.hlc,
    type: event.type,
  };
}

function fromRow(row: CausalRow): CausalEvent {
  return {
    eventId: row.event_id,
    dot: { region: row.region, n: Number(row.n) },
    deps: row.deps,
    hlc: { wallMs: Number(row.hlc_wall), logical: row.hlc_logical },
    type: row.merge ? MERGE_EVENT_TYPE : undefined,
  };
}

/**
 * Whether the event had seen the latest held event of every other region (and
 * comes after its own region's): then it is concurrent with nothing held and
 * cannot open or change a fork. A cheap, conservative test on its own deps.
 */
function hadSeenEveryTip(event: CausalEvent, tips: ReadonlyMap<string, CausalEvent>): boolean {
  for (const [region, tip] of tips) {
    if (region === event.dot.region) {
      if (tip.dot.n >= event.dot.n) return false;
    } else if ((event.deps[region] ?? 0) < tip.dot.n) return false;
  }
  return true;
}
