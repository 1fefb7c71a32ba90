import { Client } from 'pg';
import type { NewEvent } from '../event-envelope';

/**
 * An append made through the store's SQL function in a transaction the test
 * holds open: it takes its log positions now and commits when told, like a
 * slow writer in production.
 */
export class HeldAppend {
  private constructor(private readonly client: Client) {}

  static async begin(
    url: string,
    region: string,
    streamId: string,
    events: NewEvent[],
  ): Promise<HeldAppend> {
    const client = new Client({ connectionString: url });
    await client.connect();
    await client.query('BEGIN');
    const request = {
      stream: streamId,
      category: streamId.split('-')[0],
      expected: 'any',
      deps: null,
      meta: null,
      events: events.map((e, i) => ({
        id: e.eventId,
        type: e.type,
        v: e.schemaVersion,
        data: e.data,
        metadata: e.metadata ?? {},
        hw: Date.now(),
        hl: i,
      })),
    };
    await client.query('SELECT geode_append_batch($1, $2, false)', [
      region,
      JSON.stringify([request]),
    ]);
    return new HeldAppend(client);
  }

  /** Runs a statement inside the held transaction. */
  query(sql: string): Promise<unknown> {
    return this.client.query(sql);
  }

  async commit(): Promise<void> {
    await this.client.query('COMMIT');
    await this.client.end();
  }

  async rollback(): Promise<void> {
    await this.client.query('ROLLBACK');
    await this.client.end();
  }
}
