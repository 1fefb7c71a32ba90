import { Client } from 'pg';

/**
 * Advisory-lock key space of replication links. PostgreSQL keeps two-key
 * (int4, int4) advisory locks apart from single-key (int8) ones, so these never
 * meet the keys in `@geode/database`'s `AdvisoryLock`. The first key is "GEOD"
 * in ASCII; the second names the peer.
 */
const LINK_LOCK_CLASS = 0x47454f44;

/** 32-bit FNV-1a of the peer region, as a signed int4. */
export function linkLockKey(peerRegion: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(peerRegion, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash | 0;
}

/**
 * The lease that makes one process of a region the only puller from one peer
 * (DESIGN.md §1: one runner per replication link). It is a session advisory
 * lock on a connection of its own: if the process dies, the lock goes with
 * its connection and a standby takes the link over.
 */
export class LinkLease {
  private client?: Client;
  private lostHandlers = new Set<() => void>();

  constructor(
    private readonly url: string,
    private readonly peerRegion: string,
  ) {}

  get held(): boolean {
    return this.client !== undefined;
  }

  /** Tries once; true when this process now holds the link. */
  async tryAcquire(): Promise<boolean> {
    if (this.client) return true;
    const client = new Client({
      connectionString: this.url,
      application_name: `geode-replication-lease-${this.peerRegion}`,
    });
    client.on('error', () => this.drop(client));
    client.on('end', () => this.drop(client));
    await client.connect();
    try {
      const { rows } = await client.query<{ locked: boolean }>(
        'SELECT pg_try_advisory_lock($1::int4, $2::int4) AS locked',
        [LINK_LOCK_CLASS, linkLockKey(this.peerRegion)],
      );
      if (!rows[0].locked) {
        await client.end();
        return false;
      }
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    this.client = client;
    return true;
  }

  /** Called once if the lease's connection goes away while held. */
  onLost(handler: () => void): () => void {
    this.lostHandlers.add(handler);
    return () => this.lostHandlers.delete(handler);
  }

  async release(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private drop(client: Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    for (const handler of [...this.lostHandlers]) handler();
  }
}
