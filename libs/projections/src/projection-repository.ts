import type { LogCheckpoint } from '@geode/event-store';
import type { Projection } from './projection';
import { ProjectionError } from './projection-errors';
import {
  PROJECTION_COLUMNS,
  ProjectionRow,
  RawProjectionRow,
  RawRebuildRow,
  REBUILD_COLUMNS,
  RebuildRow,
  toProjectionRow,
  toRebuildRow,
} from './projection-rows';
import { logFilterCondition } from './log-filter-sql';

/** A DataSource or a QueryRunner: anything that runs SQL. */
export interface Sql {
  query(text: string, params?: unknown[]): Promise<unknown>;
}

async function rows<T>(sql: Sql, text: string, params: unknown[] = []): Promise<T[]> {
  return (await sql.query(text, params)) as T[];
}

/** Creates the projection's row on first start; refuses a projection that changed schema. */
export async function registerProjection(sql: Sql, projection: Projection): Promise<ProjectionRow> {
  await sql.query(
    `INSERT INTO geode_projections (name, version, schema_name) VALUES ($1, $2, $3)
     ON CONFLICT (name) DO NOTHING`,
    [projection.name, projection.version, projection.schema],
  );
  const row = await readProjection(sql, projection.name);
  if (!row) throw new Error(`projection ${projection.name}: row vanished after insert`);
  if (row.schema !== projection.schema)
    throw new ProjectionError(
      'invalid-projection',
      `projection ${projection.name} owns schema "${row.schema}", not "${projection.schema}": a projection cannot move to another schema`,
    );
  return row;
}

export async function readProjection(
  sql: Sql,
  name: string,
  forUpdate = false,
): Promise<ProjectionRow | undefined> {
  const [raw] = await rows<RawProjectionRow>(
    sql,
    `SELECT ${PROJECTION_COLUMNS} FROM geode_projections WHERE name = $1 ${forUpdate ? 'FOR UPDATE' : ''}`,
    [name],
  );
  return raw && toProjectionRow(raw);
}

export async function readRebuild(
  sql: Sql,
  name: string,
  forUpdate = false,
): Promise<RebuildRow | undefined> {
  const [raw] = await rows<RawRebuildRow>(
    sql,
    `SELECT ${REBUILD_COLUMNS} FROM geode_projection_rebuilds WHERE projection = $1 ${forUpdate ? 'FOR UPDATE' : ''}`,
    [name],
  );
  return raw && toRebuildRow(raw);
}

export async function schemaExists(sql: Sql, schema: string): Promise<boolean> {
  const [row] = await rows<{ found: boolean }>(
    sql,
    `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS found`,
    [schema],
  );
  return row.found;
}

export interface PendingEvents {
  /** Matching events after the checkpoint (counted up to `cap`). */
  events: number;
  /** Age of the oldest of them, 0 when none. */
  seconds: number;
}

/** What a projection has not applied yet: the figures behind its lag. */
export async function pendingEvents(
  sql: Sql,
  projection: Projection,
  after: LogCheckpoint,
  cap = 10_000_000,
): Promise<PendingEvents> {
  const params: unknown[] = [after.txId, after.position, cap];
  const matches = logFilterCondition(projection.filter, params);
  const [row] = await rows<{ events: string; seconds: number | null }>(
    sql,
    `SELECT count(*) AS events, extract(epoch FROM now() - min(p.recorded_at))::float8 AS seconds
       FROM (SELECT e.recorded_at FROM geode_events e
              WHERE (e.tx_id, e.position) > ($1::xid8, $2::bigint) AND ${matches}
              LIMIT $3) p`,
    params,
  );
  return { events: Number(row.events), seconds: Math.max(0, row.seconds ?? 0) };
}

/**
 * True when every event up to `target` that the projection handles is behind `after`:
 * no matching event lies in (after, target], and every transaction up to target's has
 * finished (target is below the horizon), so none can still appear there. The horizon is
 * the store's (`geode_log_horizon()`, ADR 0010), the one the log reader stops at: a
 * transaction running in another database cannot write this log, so it holds no wait back.
 */
export async function nothingToApplyUpTo(
  sql: Sql,
  projection: Projection,
  after: LogCheckpoint,
  target: LogCheckpoint,
): Promise<boolean> {
  const params: unknown[] = [after.txId, after.position, target.txId, target.position];
  const matches = logFilterCondition(projection.filter, params);
  const [row] = await rows<{ settled: boolean }>(
    sql,
    `SELECT $3::xid8 < geode_log_horizon()
            AND NOT EXISTS (SELECT 1 FROM geode_events e
                             WHERE (e.tx_id, e.position) > ($1::xid8, $2::bigint)
                               AND (e.tx_id, e.position) <= ($3::xid8, $4::bigint)
                               AND ${matches}) AS settled`,
    params,
  );
  return row.settled;
}
