import { isExpectedVersionConflictError } from '@event-driven-io/emmett';
import {
  defaultTag,
  getPostgreSQLEventStore,
  readMessagesBatch,
  type PostgresEventStore,
} from '@event-driven-io/emmett-postgresql';
import { dumbo, type Dumbo } from '@event-driven-io/dumbo';
import { Pool } from 'pg';
import type { FundsDeposited } from '../ledger-events';
import type { AppendOutcome, AppendSubject, AppendTarget } from './append-subject';

/**
 * Emmett's PostgreSQL event store, used as its documentation shows:
 * `appendToStream` with the stream version the writer last saw. Emmett's
 * client installs process-wide `pg` type parsers (bigint, jsonb), one reason
 * why each subject runs in a process of its own.
 */
export const emmettSubject: AppendSubject = {
  name: 'emmett',

  async prepare(url) {
    const store = getPostgreSQLEventStore(url);
    try {
      await store.schema.migrate();
    } finally {
      await store.close();
    }
  },

  open(url, { poolSize }) {
    // One pool of the same size as every other subject's, shared by the store and the log reader.
    const pool = new Pool({
      connectionString: url,
      max: poolSize,
      application_name: 'bench-emmett',
    });
    pool.on('error', () => undefined);
    const db = dumbo({ connectionString: url, pool });
    const store = getPostgreSQLEventStore(url, {
      schema: { autoMigration: 'None' },
      connectionOptions: { dumbo: db },
    });
    return Promise.resolve(new EmmettTarget(store, db, pool));
  },
};

type EmmettDeposit = {
  type: FundsDeposited['type'];
  data: FundsDeposited['data'];
  metadata: FundsDeposited['metadata'] & { messageId: string };
};

class EmmettTarget implements AppendTarget {
  constructor(
    private readonly store: PostgresEventStore,
    private readonly db: Dumbo,
    private readonly pool: Pool,
  ) {}

  async append(
    streamId: string,
    events: readonly FundsDeposited[],
    expectedRevision: number,
  ): Promise<AppendOutcome> {
    // Emmett takes the event id from `metadata.messageId` (and stores it in its own column).
    const deposits = events.map((event): EmmettDeposit => ({
      type: event.type,
      data: event.data,
      metadata: { ...event.metadata, messageId: event.eventId },
    }));
    try {
      const result = await this.store.appendToStream<EmmettDeposit>(streamId, deposits, {
        expectedStreamVersion: BigInt(expectedRevision),
      });
      return { committed: true, revision: Number(result.nextExpectedStreamVersion) };
    } catch (error) {
      if (isExpectedVersionConflictError(error)) return { committed: false };
      throw error;
    }
  }

  /**
   * Emmett's API has no "stream version" call short of reading the whole
   * stream, which would grow with the stream; this reads the version Emmett
   * itself checks against, from its streams table.
   */
  async revision(streamId: string): Promise<number> {
    const { rows } = await this.pool.query<{ stream_position: bigint | string }>(
      `SELECT stream_position FROM emt_streams
        WHERE stream_id = $1 AND partition = $2 AND is_archived = FALSE`,
      [streamId, defaultTag],
    );
    return rows.length === 0 ? 0 : Number(rows[0].stream_position);
  }

  /** How Emmett's own consumers read the log: `readMessagesBatch` after a global position. */
  async *readAll(pageSize: number): AsyncGenerator<readonly string[]> {
    let after = 0n;
    for (;;) {
      const batch = await readMessagesBatch(this.db.execute, { after, batchSize: pageSize });
      if (batch.messages.length === 0) return;
      after = batch.currentGlobalPosition;
      yield batch.messages.map((message) => message.metadata.messageId);
    }
  }

  async storedCounts(streamIds: readonly string[]): Promise<Map<string, number>> {
    const { rows } = await this.pool.query<{ stream_id: string; events: number }>(
      `SELECT stream_id, count(*)::int AS events FROM emt_messages
        WHERE stream_id = ANY($1::text[]) AND partition = $2 GROUP BY stream_id`,
      [streamIds, defaultTag],
    );
    return new Map(rows.map((row) => [row.stream_id, row.events]));
  }

  async close(): Promise<void> {
    await this.store.close();
    await this.pool.end();
  }
}
