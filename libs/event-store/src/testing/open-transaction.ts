import { Client } from 'pg';
import { HybridLogicalClock, systemWallClock } from '@geode/clock';
import type { NewEvent } from '../event-envelope';
import type { AppendOptions } from '../event-store.port';
import {
  APPEND_BATCH_SQL,
  encodeAppendRequests,
  toAppendRequest,
  type AppendBatchRow,
  type AppendRequest,
  type AppendResponse,
} from '../postgres/append-batcher';
import { LOG_CHANNEL } from '../postgres/commit-signal';
import { validateAppend } from '../validation';

const clock = new HybridLogicalClock(systemWallClock);

/** The request `geode_append_batch` takes, built as `PostgresEventStore` builds it. */
export function appendRequest(
  streamId: string,
  events: NewEvent[],
  options: AppendOptions,
): AppendRequest {
  const payloads = validateAppend(streamId, events, options, { maxEventBytes: 1024 * 1024 });
  return toAppendRequest(streamId, events, payloads, options, clock);
}

/**
 * A transaction the test holds open and appends in through the store's SQL
 * function, as the store's group commit does: its rows take their transaction
 * id and log positions when written, and become visible only when the test
 * commits, like a slow writer in production.
 */
export class OpenTransaction {
  private constructor(private readonly client: Client) {}

  static async begin(url: string): Promise<OpenTransaction> {
    const client = new Client({ connectionString: url, application_name: 'geode-test-open-tx' });
    await client.connect();
    try {
      await client.query('BEGIN');
    } catch (error) {
      await client.end();
      throw error;
    }
    return new OpenTransaction(client);
  }

  /** Takes the transaction id now, before anything is written. */
  async takeTransactionId(): Promise<string> {
    const { rows } = await this.client.query<{ xid: string }>(
      'SELECT pg_current_xact_id()::text AS xid',
    );
    return rows[0].xid;
  }

  async append(
    region: string,
    streamId: string,
    events: NewEvent[],
    options: AppendOptions = { expectedRevision: 'any' },
  ): Promise<AppendResponse> {
    const { rows } = await this.client.query<AppendBatchRow>(APPEND_BATCH_SQL, [
      region,
      encodeAppendRequests([appendRequest(streamId, events, options)]),
      false,
    ]);
    return rows[0].results[0];
  }

  /** Commits, and then wakes log readers as the store does after its commits. */
  async commit(): Promise<void> {
    try {
      const { rows } = await this.client.query<{ tx: string | null }>(
        'SELECT pg_current_xact_id_if_assigned()::text AS tx',
      );
      await this.client.query('COMMIT');
      if (rows[0].tx !== null)
        await this.client.query('SELECT pg_notify($1, $2)', [LOG_CHANNEL, rows[0].tx]);
    } finally {
      await this.client.end();
    }
  }

  async rollback(): Promise<void> {
    await this.end('ROLLBACK');
  }

  private async end(statement: 'COMMIT' | 'ROLLBACK'): Promise<void> {
    try {
      await this.client.query(statement);
    } finally {
      await this.client.end();
    }
  }
}
