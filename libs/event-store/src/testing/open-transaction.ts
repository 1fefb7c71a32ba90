import { Client } from 'pg';
import { HybridLogicalClock, systemWallClock } from '@geode/clock';
import type { NewEvent } from '../event-envelope';
import type { AppendOptions } from '../event-store.port';
import {
  toAppendRequest,
  type AppendRequest,
  type AppendResponse,
} from '../postgres/append-batcher';

const clock = new HybridLogicalClock(systemWallClock);

/** The request `geode_append_batch` takes, built as `PostgresEventStore` builds it. */
export function appendRequest(
  streamId: string,
  events: NewEvent[],
  options: AppendOptions,
): AppendRequest {
  return toAppendRequest(streamId, events, options, clock);
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
    const { rows } = await this.client.query<{ results: AppendResponse[] }>(
      'SELECT geode_append_batch($1, $2, false) AS results',
      [region, JSON.stringify([appendRequest(streamId, events, options)])],
    );
    return rows[0].results[0];
  }

  async commit(): Promise<void> {
    await this.end('COMMIT');
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
