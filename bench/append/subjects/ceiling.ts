import { DatabaseError, Pool } from 'pg';
import type { FundsDeposited } from '../ledger-events';
import type { AppendSubject, AppendTarget, AppendOutcome } from './append-subject';

const UNIQUE_VIOLATION = '23505';

/**
 * The same work done the most direct way PostgreSQL allows: one table with
 * the columns of an event store row, each append a single
 * `INSERT … SELECT FROM unnest(…)` on a pooled connection. Nothing is read
 * before writing; the (stream_id, revision) key that any store needs to read
 * a stream is also what refuses a second writer of the same revision.
 */
export const ceilingSubject: AppendSubject = {
  name: 'ceiling',

  async prepare(url) {
    const pool = new Pool({ connectionString: url, max: 1 });
    try {
      await pool.query(`
        CREATE TABLE events (
          position    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          id          uuid        NOT NULL,
          stream_id   text        NOT NULL,
          revision    bigint      NOT NULL,
          type        text        NOT NULL,
          data        jsonb       NOT NULL,
          metadata    jsonb       NOT NULL,
          recorded_at timestamptz NOT NULL DEFAULT now(),
          CONSTRAINT events_stream_revision UNIQUE (stream_id, revision)
        )`);
    } finally {
      await pool.end();
    }
  },

  open(url, { poolSize }) {
    const pool = new Pool({
      connectionString: url,
      max: poolSize,
      application_name: 'bench-ceiling',
    });
    pool.on('error', () => undefined);
    return Promise.resolve(new CeilingTarget(pool));
  },
};

class CeilingTarget implements AppendTarget {
  constructor(private readonly pool: Pool) {}

  async append(
    streamId: string,
    events: readonly FundsDeposited[],
    expectedRevision: number,
  ): Promise<AppendOutcome> {
    try {
      await this.query(
        `INSERT INTO events (id, stream_id, revision, type, data, metadata)
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::text[], $5::jsonb[], $6::jsonb[])`,
        [
          events.map((event) => event.eventId),
          events.map(() => streamId),
          events.map((_, index) => expectedRevision + index + 1),
          events.map((event) => event.type),
          events.map((event) => JSON.stringify(event.data)),
          events.map((event) => JSON.stringify(event.metadata)),
        ],
      );
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) return { committed: false };
      throw error;
    }
    return { committed: true, revision: expectedRevision + events.length };
  }

  async revision(streamId: string): Promise<number> {
    const { rows } = await this.pool.query<{ revision: number }>(
      'SELECT coalesce(max(revision), 0)::int AS revision FROM events WHERE stream_id = $1',
      [streamId],
    );
    return rows[0].revision;
  }

  async *readAll(pageSize: number): AsyncGenerator<readonly string[]> {
    let after = '0';
    for (;;) {
      const { rows } = await this.pool.query<{ position: string; id: string }>(
        `SELECT position, id, stream_id, revision, type, data, metadata, recorded_at
           FROM events WHERE position > $1 ORDER BY position LIMIT $2`,
        [after, pageSize],
      );
      if (rows.length === 0) return;
      after = rows[rows.length - 1].position;
      yield rows.map((row) => row.id);
    }
  }

  async storedCounts(streamIds: readonly string[]): Promise<Map<string, number>> {
    const { rows } = await this.pool.query<{ stream_id: string; events: number }>(
      `SELECT stream_id, count(*)::int AS events FROM events
        WHERE stream_id = ANY($1::text[]) GROUP BY stream_id`,
      [streamIds],
    );
    return new Map(rows.map((row) => [row.stream_id, row.events]));
  }

  close(): Promise<void> {
    return this.pool.end();
  }

  /**
   * Like `pool.query`, except that a statement refused by the server (a
   * duplicate key) gives the connection back to the pool: `pool.query` closes
   * a connection on any error, and reconnecting after every conflict would
   * measure connection set-up, not the database.
   */
  private async query(text: string, values: unknown[]): Promise<void> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query(text, values);
    } catch (error) {
      if (!(error instanceof DatabaseError)) broken = error as Error;
      throw error;
    } finally {
      client.release(broken);
    }
  }
}
