import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { CONFLICTS_SCHEMA } from './fork-detector.projection';

/** A fork as the conflict queue shows it. */
export interface ConflictView {
  conflictId: string;
  streamId: string;
  heads: string[];
  /** When the fork happened: the HLC of its latest head (event time, the same everywhere). */
  forkedAt: string;
  forkedAtHlc: { wallMs: number; logical: number };
  detectedInRegion: string;
  status: 'pending' | 'resolved';
  mergeEventId: string | null;
}

export interface MergeView {
  mergeEventId: string;
  streamId: string;
  heads: string[];
  concurrentEvents: string[];
  strategy: string;
  resolver: { name: string; version: number };
  outcome: unknown;
  compensations: unknown;
  resolvedBy: unknown;
  hlc: { wallMs: number; logical: number };
}

interface ConflictRow {
  conflict_id: string;
  stream_id: string;
  heads: string[];
  forked_at_wall: string;
  forked_at_logical: number;
  detected_in_region: string;
  status: 'pending' | 'resolved';
  merge_event_id: string | null;
}

interface MergeRow {
  event_id: string;
  stream_id: string;
  heads: string[];
  concurrent: string[];
  strategy: string;
  resolver: string;
  resolver_version: number;
  outcome: unknown;
  compensations: unknown;
  resolved_by: unknown;
  hlc_wall: string;
  hlc_logical: number;
}

const CONFLICTS = `"${CONFLICTS_SCHEMA}"."conflicts"`;
const MERGES = `"${CONFLICTS_SCHEMA}"."merges"`;
const UNDEFINED_TABLE = '42P01';

/** Reads the fork detector's tables (nothing else). */
@Injectable()
export class ConflictRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async list(status: ConflictView['status'] | null, limit = 100): Promise<ConflictView[]> {
    const rows = await this.query<ConflictRow>(
      `SELECT * FROM ${CONFLICTS} WHERE ($1::text IS NULL OR status = $1)
        ORDER BY forked_at_wall DESC, forked_at_logical DESC, conflict_id LIMIT $2`,
      [status, limit],
    );
    return rows.map(toConflictView);
  }

  async byId(conflictId: string): Promise<ConflictView | null> {
    const rows = await this.query<ConflictRow>(
      `SELECT * FROM ${CONFLICTS} WHERE conflict_id = $1`,
      [conflictId],
    );
    return rows.length ? toConflictView(rows[0]) : null;
  }

  /** Per stream, its latest fork (by event time): what an account read shows. */
  async latestOf(streamIds: readonly string[]): Promise<Map<string, ConflictView>> {
    const rows = await this.query<ConflictRow>(
      `SELECT DISTINCT ON (stream_id) * FROM ${CONFLICTS} WHERE stream_id = ANY ($1::text[])
        ORDER BY stream_id, forked_at_wall DESC, forked_at_logical DESC, (status = 'pending') DESC, conflict_id`,
      [streamIds],
    );
    return new Map(rows.map((row) => [row.stream_id, toConflictView(row)]));
  }

  async mergesOf(streamId: string): Promise<MergeView[]> {
    const rows = await this.query<MergeRow>(
      `SELECT * FROM ${MERGES} WHERE stream_id = $1
        ORDER BY hlc_wall, hlc_logical, dot_region, dot_n`,
      [streamId],
    );
    return rows.map((row) => ({
      mergeEventId: row.event_id,
      streamId: row.stream_id,
      heads: row.heads,
      concurrentEvents: row.concurrent,
      strategy: row.strategy,
      resolver: { name: row.resolver, version: row.resolver_version },
      outcome: row.outcome,
      compensations: row.compensations,
      resolvedBy: row.resolved_by,
      hlc: { wallMs: Number(row.hlc_wall), logical: row.hlc_logical },
    }));
  }

  /** Before the detector first ran its tables do not exist: that reads as "no conflicts". */
  private async query<Row>(sql: string, params: unknown[]): Promise<Row[]> {
    try {
      return await this.dataSource.query<Row[]>(sql, params);
    } catch (error) {
      if ((error as { code?: string }).code === UNDEFINED_TABLE) return [];
      throw error;
    }
  }
}

function toConflictView(row: ConflictRow): ConflictView {
  const wallMs = Number(row.forked_at_wall);
  return {
    conflictId: row.conflict_id,
    streamId: row.stream_id,
    heads: row.heads,
    forkedAt: new Date(wallMs).toISOString(),
    forkedAtHlc: { wallMs, logical: row.forked_at_logical },
    detectedInRegion: row.detected_in_region,
    status: row.status,
    mergeEventId: row.merge_event_id,
  };
}
