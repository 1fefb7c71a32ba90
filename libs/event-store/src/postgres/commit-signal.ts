import type { Pool } from 'pg';

/** The channel log readers listen on; the payload is the highest committed transaction id. */
export const LOG_CHANNEL = 'geode_log';

/**
 * Wakes the log's readers (subscriptions, the sequencer) after appends commit.
 *
 * A NOTIFY inside the append transaction would be simpler, but PostgreSQL
 * serialises the commits of notifying transactions on one cluster-wide lock
 * held through their WAL flush, which defeats group commit (ADR 0010). So the
 * store notifies after the commit, from a statement of its own that writes
 * nothing (and so waits for no flush). The first commit after a quiet spell is
 * announced at once; commits that follow within `minIntervalMs` are folded into
 * one notification at the end of that interval, so a busy store sends a few
 * hundred a second rather than one per commit (each wakes every listener). A
 * notification that never goes out (the process dies between the commit and
 * the NOTIFY) only delays readers until their periodic re-check; it cannot
 * lose an event, which they read from the log, not from the notification.
 */
export class CommitSignal {
  /** The highest committed transaction not announced yet. */
  private pending: bigint | undefined;
  private active = false;
  private sending: Promise<void> = Promise.resolve();
  private lastSentAt = -Infinity;
  /** The NOTIFY statement being executed, if any. */
  private notifying: Promise<unknown> | undefined;

  constructor(
    private readonly pool: Pool,
    private readonly minIntervalMs: number,
  ) {}

  /** Reports a commit (its transaction id as text; `null`: it wrote nothing). */
  committed(txId: string | null | undefined): void {
    if (!txId) return;
    const tx = BigInt(txId);
    if (this.pending === undefined || tx > this.pending) this.pending = tx;
    if (!this.active) this.sending = this.send();
  }

  /**
   * Resolves once no NOTIFY of this store is executing. A NOTIFY takes a
   * transaction id when it commits, and a transaction id in flight holds
   * back the log horizon (ADR 0004): a reader of the log that wants what this
   * store has committed (read-your-writes) waits for it first.
   */
  async settled(): Promise<void> {
    await this.notifying;
  }

  /** Resolves once every commit reported so far has been announced (or given up on). */
  async flush(): Promise<void> {
    while (this.active) await this.sending;
  }

  private async send(): Promise<void> {
    this.active = true;
    try {
      while (this.pending !== undefined) {
        // Within the interval of the last notification: wait, folding what comes meanwhile.
        const wait = this.lastSentAt + this.minIntervalMs - performance.now();
        if (wait > 0) await sleep(wait);
        const tx = this.pending;
        this.pending = undefined;
        this.lastSentAt = performance.now();
        this.notifying = this.pool
          .query('SELECT pg_notify($1, $2)', [LOG_CHANNEL, tx.toString()])
          .catch(() => undefined); // readers re-check on their own within a second
        await this.notifying;
        this.notifying = undefined;
      }
    } finally {
      this.active = false;
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
