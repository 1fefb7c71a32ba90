import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { IDEMPOTENCY_OPTIONS, type ResolvedIdempotencyOptions } from './idempotency-options';

/** A response kept for replay: status, the headers that matter, and the body text. */
export interface StoredResponse {
  status: number;
  headers: Record<string, string | string[]>;
  body: string;
}

/** What a key held when this request could not claim it. */
export interface ExistingKey {
  requestHash: Buffer;
  /** `undefined` while the request that claimed it is still running. */
  response: StoredResponse | undefined;
}

export type ClaimOutcome =
  /** This request owns the key; `token` fences its completion against a later take-over. */
  { kind: 'claimed'; token: string } | { kind: 'existing'; key: ExistingKey };

interface KeyRow {
  request_hash: Buffer;
  status: number | null;
  headers: Record<string, string | string[]> | null;
  body: string | null;
  completed: boolean;
}

/** Idempotency keys in `geode_idempotency_keys` (migration Idempotency1795711770000). */
@Injectable()
export class IdempotencyKeyRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(IDEMPOTENCY_OPTIONS) private readonly options: ResolvedIdempotencyOptions,
  ) {}

  /**
   * Claims `scope` for this request, or reads what holds it. A key past its
   * retention is free again, and so is a claim left unanswered beyond the
   * in-flight lease by the same request (its process died): both are taken
   * over in the same statement, so two retries never both win.
   */
  async claim(scope: string, requestHash: Buffer): Promise<ClaimOutcome> {
    // A row can vanish between the two statements (released or swept): then claim again.
    for (let attempt = 0; ; attempt += 1) {
      const claimed = await this.dataSource.query<{ token: string }[]>(
        `INSERT INTO geode_idempotency_keys AS k (scope, request_hash)
         VALUES ($1, $2)
         ON CONFLICT (scope) DO UPDATE
            SET request_hash = EXCLUDED.request_hash, status = NULL, headers = NULL,
                body = NULL, created_at = now(), completed_at = NULL
          WHERE k.created_at < now() - $3::bigint * interval '1 millisecond'
             OR (k.completed_at IS NULL
                 AND k.request_hash = EXCLUDED.request_hash
                 AND k.created_at < now() - $4::bigint * interval '1 millisecond')
         RETURNING k.created_at::text AS token`,
        [scope, requestHash, this.options.retentionMs, this.options.inFlightLeaseMs],
      );
      if (claimed.length) return { kind: 'claimed', token: claimed[0].token };

      const [row] = await this.dataSource.query<KeyRow[]>(
        `SELECT request_hash, status, headers, body, completed_at IS NOT NULL AS completed
           FROM geode_idempotency_keys WHERE scope = $1`,
        [scope],
      );
      if (row) return { kind: 'existing', key: toExistingKey(row) };
      // Still changing hands after three tries: answer as a request in flight.
      if (attempt >= 2) return { kind: 'existing', key: { requestHash, response: undefined } };
    }
  }

  /** Keeps the response of the request holding the claim `token`. */
  async complete(scope: string, token: string, response: StoredResponse): Promise<void> {
    await this.dataSource.query(
      `UPDATE geode_idempotency_keys
          SET status = $3, headers = $4::jsonb, body = $5, completed_at = now()
        WHERE scope = $1 AND created_at = $2::timestamptz AND completed_at IS NULL`,
      [scope, token, response.status, JSON.stringify(response.headers), response.body],
    );
  }

  /** Gives the key back, so that a retry runs the request again. */
  async release(scope: string, token: string): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM geode_idempotency_keys
        WHERE scope = $1 AND created_at = $2::timestamptz AND completed_at IS NULL`,
      [scope, token],
    );
  }

  /** Deletes keys past their retention; answers how many. */
  async deleteExpired(): Promise<number> {
    // TypeORM answers a DELETE with [rows, rowCount].
    const [, deleted] = await this.dataSource.query<[unknown[], number]>(
      `DELETE FROM geode_idempotency_keys
        WHERE created_at < now() - $1::bigint * interval '1 millisecond'`,
      [this.options.retentionMs],
    );
    return deleted;
  }
}

function toExistingKey(row: KeyRow): ExistingKey {
  return {
    requestHash: row.request_hash,
    response:
      row.completed && row.status !== null
        ? { status: row.status, headers: row.headers ?? {}, body: row.body ?? '' }
        : undefined,
  };
}
