import type { LogFilter, StoredEvent } from '@geode/event-store';
import type { Projection, ProjectionContext, ProjectionSchemaContext } from '../projection';

export interface CountingProjectionOptions {
  name?: string;
  schema?: string;
  version?: number;
  filter?: LogFilter;
}

/**
 * A small projection for the platform's tests: per stream, how many events and what sum
 * of `data.amount`; and one row per application of an event (no unique key on purpose,
 * so that applying an event twice shows as a duplicate row instead of an error).
 */
export class CountingProjection implements Projection {
  readonly name: string;
  readonly schema: string;
  readonly version: number;
  readonly filter: LogFilter;
  /** Event ids whose batch throws (after writing it). */
  readonly poison = new Set<string>();
  /** Runs after the batch's writes, before `apply` returns: to crash mid-batch. */
  afterWrite?: (events: readonly StoredEvent[], ctx: ProjectionContext) => Promise<void>;
  /** Modes seen, for the side-effect check of rebuilds. */
  readonly modes = new Set<'live' | 'rebuild'>();

  constructor(options: CountingProjectionOptions = {}) {
    this.name = options.name ?? 'counting';
    this.schema = options.schema ?? 'counting_read';
    this.version = options.version ?? 1;
    this.filter = options.filter ?? { categories: ['account'] };
  }

  async createTables(ctx: ProjectionSchemaContext): Promise<void> {
    await ctx.manager.query(
      `CREATE TABLE ${ctx.table('applied')} (event_id uuid NOT NULL, position bigint NOT NULL, mode text NOT NULL)`,
    );
    await ctx.manager.query(
      `CREATE TABLE ${ctx.table('totals')} (stream_id text PRIMARY KEY, events integer NOT NULL, amount bigint NOT NULL)`,
    );
  }

  async apply(events: readonly StoredEvent[], ctx: ProjectionContext): Promise<void> {
    this.modes.add(ctx.mode);
    await ctx.manager.query(
      `INSERT INTO ${ctx.table('applied')} (event_id, position, mode)
       SELECT unnest($1::uuid[]), unnest($2::bigint[]), $3`,
      [events.map((e) => e.eventId), events.map((e) => e.position), ctx.mode],
    );
    await ctx.manager.query(
      `INSERT INTO ${ctx.table('totals')} AS t (stream_id, events, amount)
       SELECT s, count(*), sum(a) FROM unnest($1::text[], $2::bigint[]) AS x(s, a) GROUP BY s
       ON CONFLICT (stream_id) DO UPDATE SET events = t.events + EXCLUDED.events,
                                             amount = t.amount + EXCLUDED.amount`,
      [events.map((e) => e.streamId), events.map((e) => amountOf(e))],
    );
    await this.afterWrite?.(events, ctx);
    const bad = events.find((e) => this.poison.has(e.eventId));
    if (bad) throw new Error(`poison event ${bad.eventId}`);
  }
}

function amountOf(event: StoredEvent): string {
  const amount = event.data.amount;
  return typeof amount === 'string' && /^\d+$/.test(amount) ? amount : '0';
}
