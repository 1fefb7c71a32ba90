import { EventEmitter } from 'node:events';
import { Client, Pool } from 'pg';
import type {
  LogCheckpoint,
  LogEntry,
  LogFilter,
  Subscription,
  SubscribeOptions,
} from '../event-store.port';
import { LOG_START } from '../event-store.port';
import { EVENT_COLUMNS, EVENTS_WITH_ORIGIN, EventRow, toLogEntry } from './event-rows';

/**
 * Reads the local log gap-safely (ADR 0004). Positions come from a sequence at
 * insert and transactions commit out of order, so the log order is
 * `(tx_id, position)` and a read returns only rows whose transaction is older
 * than every transaction still running that may write here
 * (`geode_log_horizon()`, in the read's own snapshot): no row can ever
 * appear behind a checkpoint that a reader has passed.
 */
export async function readLogPage(
  pool: Pool,
  after: LogCheckpoint,
  limit: number,
  filter?: LogFilter,
): Promise<LogEntry[]> {
  const params: unknown[] = [after.txId, after.position, limit];
  const conditions: string[] = [];
  if (filter?.categories?.length) {
    params.push(filter.categories);
    conditions.push(`e.category = ANY ($${params.length}::text[])`);
  }
  if (filter?.typePrefixes?.length) {
    params.push(filter.typePrefixes.map((prefix) => `${prefix.replace(/[\\%_]/g, '\\$&')}%`));
    conditions.push(`e.type LIKE ANY ($${params.length}::text[])`);
  }
  const matches = conditions.length ? `AND (${conditions.join(' OR ')})` : '';
  const { rows } = await pool.query<EventRow>(
    `SELECT ${EVENT_COLUMNS}
       FROM ${EVENTS_WITH_ORIGIN}
      WHERE (e.tx_id, e.position) > ($1::xid8, $2::bigint)
        AND e.tx_id < (SELECT geode_log_horizon())
        ${matches}
      ORDER BY e.tx_id, e.position
      LIMIT $3`,
    params,
  );
  return rows.map(toLogEntry);
}

/** The oldest transaction still running: every row below it is final. */
export async function logHorizon(pool: Pool): Promise<bigint> {
  const { rows } = await pool.query<{ xmin: string }>(`SELECT geode_log_horizon()::text AS xmin`);
  return BigInt(rows[0].xmin);
}

const CHANNEL = 'geode_log';
const RECONNECT_MAX_MS = 5_000;

/**
 * One LISTEN connection per store, shared by its subscriptions: appends notify
 * `geode_log` with their transaction id at commit, and waiting readers wake.
 */
export class LogNotifier {
  private readonly events = new EventEmitter();
  private client?: Client;
  private closed = false;
  private reconnectDelay = 100;
  /** Highest transaction id notified so far. */
  latestTx = 0n;
  /** Counts wake-ups, so a reader can tell whether one came since it last looked. */
  version = 0;

  constructor(private readonly url: string) {
    this.events.setMaxListeners(0);
  }

  async start(): Promise<void> {
    const client = new Client({
      connectionString: this.url,
      application_name: 'geode-log-listener',
    });
    client.on('notification', (message) => {
      const tx = message.payload ? BigInt(message.payload) : 0n;
      if (tx > this.latestTx) this.latestTx = tx;
      this.wakeAll();
    });
    client.on('error', () => this.reconnect(client));
    client.on('end', () => this.reconnect(client));
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    this.client = client;
    this.reconnectDelay = 100;
    // Anything committed while we were not listening: readers look again.
    this.wakeAll();
  }

  wakeAll(): void {
    this.version += 1;
    this.events.emit('wake');
  }

  /**
   * Resolves once a wake-up newer than `sinceVersion` happened, or after
   * `timeoutMs` (a safety net, never the latency path).
   */
  wait(sinceVersion: number, timeoutMs: number): Promise<void> {
    if (this.version > sinceVersion) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.events.off('wake', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.events.once('wake', done);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wakeAll();
    await this.client?.end().catch(() => undefined);
  }

  private reconnect(failed: Client): void {
    if (this.closed || this.client !== failed) return;
    this.client = undefined;
    void failed.end().catch(() => undefined);
    const delay = this.reconnectDelay;
    this.reconnectDelay = Math.min(this.reconnectDelay * 2, RECONNECT_MAX_MS);
    setTimeout(() => {
      if (!this.closed) this.start().catch(() => this.reconnect(this.client ?? failed));
    }, delay);
  }
}

const IDLE_RECHECK_MS = 1_000;
const BLOCKED_BACKOFF_MS = [1, 2, 5, 10, 20, 50];

/**
 * Catch-up then live, pulled by the consumer: the next page is read only when
 * the consumer has taken the previous one, so a slow consumer holds at most
 * one page in memory.
 */
export function subscribeToLog(
  pool: Pool,
  notifier: LogNotifier,
  options: SubscribeOptions,
): Subscription {
  let closed = false;
  let checkpoint = options.after ?? LOG_START;
  const batchSize = options.batchSize ?? 500;

  async function* entries(): AsyncGenerator<LogEntry> {
    let blocked = 0;
    while (!closed) {
      const seen = notifier.version;
      const page = await readLogPage(pool, checkpoint, batchSize, options.filter);
      if (page.length > 0) {
        blocked = 0;
        for (const entry of page) {
          if (closed) return;
          yield entry;
          checkpoint = entry.checkpoint;
        }
        continue;
      }
      // Nothing readable. If a commit we were told about is still above the
      // horizon, an older transaction is running: look again shortly.
      // Otherwise sleep until the next notification.
      const horizon = await logHorizon(pool);
      if (notifier.latestTx >= horizon) {
        await sleep(BLOCKED_BACKOFF_MS[Math.min(blocked++, BLOCKED_BACKOFF_MS.length - 1)]);
      } else {
        blocked = 0;
        await notifier.wait(seen, IDLE_RECHECK_MS);
      }
    }
  }

  const iterator = entries();
  return {
    [Symbol.asyncIterator]: () => iterator,
    close: async () => {
      closed = true;
      notifier.wakeAll();
      await iterator.return(undefined);
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
