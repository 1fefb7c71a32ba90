import { Client } from 'pg';

/** The sequencer's channel: this region's origin log grew. */
const STAMPED_CHANNEL = 'geode_stamped';
/** Pullers' channel: entries of other origins were applied here (sent after the commit). */
const REPLICATED_CHANNEL = 'geode_replicated';
export const ORIGIN_LOG_CHANNELS = [STAMPED_CHANNEL, REPLICATED_CHANNEL] as const;

export interface ChangeSignalLog {
  warn(message: string): void;
}

/**
 * One LISTEN connection per process that tells feeds when an origin log grew,
 * so new events are pushed as soon as they are stamped or applied, with no
 * polling in the latency path. Readers take `version` before they look and
 * wait for it to move; a notification between the look and the wait is not lost.
 * While the connection is down, waits end after `fallbackMs` (the feed then
 * looks anyway), and a reconnect counts as a change.
 */
export class ChangeSignal {
  private changes = 0;
  /** Changes that may have grown this region's own log (stamps, reconnects, stop). */
  private ownChanges = 0;
  private waiters = new Set<{ own: boolean; done: () => void }>();
  private client?: Client;
  private stopped = false;
  private connecting?: Promise<void>;
  private announcing = false;
  private announceAgain = false;

  constructor(
    private readonly url: string,
    private readonly log: ChangeSignalLog = { warn: () => undefined },
    private readonly fallbackMs = 1_000,
  ) {}

  get version(): number {
    return this.changes;
  }

  /** Like `version`, but moved only by what may have grown this region's own log. */
  get ownVersion(): number {
    return this.ownChanges;
  }

  get listening(): boolean {
    return this.client !== undefined;
  }

  /** Connects and listens; if that fails, keeps trying in the background (waits fall back to `fallbackMs`). */
  async start(): Promise<void> {
    if (this.connecting) return this.connecting;
    this.connecting = this.connect().catch(() => this.retryLater());
    await this.connecting;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.notify(true);
    await this.client?.end().catch(() => undefined);
    this.client = undefined;
  }

  /**
   * Replicated entries were committed here: wakes this process's feeds at
   * once, and other processes of the region through NOTIFY. The NOTIFY is
   * sent after the apply's commit, never inside it: PostgreSQL serialises
   * commits that notify, and an apply holds row locks other pullers wait on.
   * At most one is in flight; announcements meanwhile fold into the next.
   */
  announceReplicated(): void {
    this.notify(false);
    if (this.announcing) {
      this.announceAgain = true;
      return;
    }
    this.announcing = true;
    void (async () => {
      do {
        this.announceAgain = false;
        const client = this.client;
        if (!client) break; // not listening: peers' feeds fall back to their periodic look
        await client.query(`SELECT pg_notify('${REPLICATED_CHANNEL}', '')`).catch(() => undefined);
      } while (this.announceAgain && !this.stopped);
      this.announcing = false;
    })();
  }

  /** Resolves when `version` has moved past `seen`, after `timeoutMs`, or on abort. */
  wait(seen: number, timeoutMs: number, abort?: AbortSignal): Promise<void> {
    return this.waitFor(false, seen, timeoutMs, abort);
  }

  /**
   * Resolves when `ownVersion` has moved past `seen`, after `timeoutMs`, or on
   * abort: for a feed that relays nothing, entries applied from peers are no news.
   */
  waitForOwn(seen: number, timeoutMs: number, abort?: AbortSignal): Promise<void> {
    return this.waitFor(true, seen, timeoutMs, abort);
  }

  private waitFor(own: boolean, seen: number, timeoutMs: number, abort?: AbortSignal) {
    const current = own ? this.ownChanges : this.changes;
    if (current !== seen || this.stopped || abort?.aborted) return Promise.resolve();
    const limit = this.client ? timeoutMs : Math.min(timeoutMs, this.fallbackMs);
    return new Promise<void>((resolve) => {
      const waiter = {
        own,
        done: () => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          abort?.removeEventListener('abort', waiter.done);
          resolve();
        },
      };
      const timer = setTimeout(waiter.done, limit);
      this.waiters.add(waiter);
      abort?.addEventListener('abort', waiter.done, { once: true });
    });
  }

  /** `own`: this region's log may have grown (a stamp); otherwise only other origins did. */
  private notify(own: boolean): void {
    this.changes += 1;
    if (own) this.ownChanges += 1;
    for (const waiter of [...this.waiters]) if (own || !waiter.own) waiter.done();
  }

  private async connect(): Promise<void> {
    const client = new Client({
      connectionString: this.url,
      application_name: 'geode-replication-listener',
    });
    client.on('notification', (message) => this.notify(message.channel !== REPLICATED_CHANNEL));
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      for (const channel of ORIGIN_LOG_CHANNELS) await client.query(`LISTEN ${channel}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.notify(true); // anything that grew while we were not listening
  }

  private lost(client: Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    if (this.stopped) return;
    this.log.warn('replication change listener lost its connection; reconnecting');
    this.retryLater(100);
  }

  private retryLater(delayMs = this.fallbackMs): void {
    if (this.stopped) return;
    setTimeout(() => {
      if (this.stopped) return;
      this.connecting = this.connect().catch(() => this.retryLater());
    }, delayMs).unref();
  }
}
