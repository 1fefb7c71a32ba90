import type { WallClock } from '@geode/clock';
import {
  EventStoreError,
  ReplicationRefused,
  type EventStore,
  type ReplicatedEvent,
  type VersionVector,
} from '@geode/event-store';
import type { LagTracker } from './lag-tracker';
import { LinkLease } from './link-lease';
import { FrameTooLarge } from './ndjson-lines';
import type { PeerClientAuth } from '@geode/peer-auth';
import { openFeed, PeerEndpoint, sendAck } from './peer-http';
import { type BackoffPolicy, DEFAULT_BACKOFF, reconnectDelayMs } from './reconnect-backoff';
import type { RefusalReason, ReplicationMetrics } from './replication-metrics';
import { type BatchFrame, isMarker, MalformedFrame, type ReplicationEntry } from './wire-format';

export type LinkState = 'standby' | 'connecting' | 'streaming' | 'backoff' | 'stopped';

export interface PullerLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface ReplicationPullerOptions {
  peer: PeerEndpoint;
  localRegion: string;
  /** The region's database: the link lease lives there. */
  databaseUrl: string;
  store: EventStore;
  auth: PeerClientAuth;
  clock: WallClock;
  lag: LagTracker;
  metrics: ReplicationMetrics;
  log: PullerLog;
  /** The heartbeat interval peers use; no byte for 3× that means the link is dead. */
  heartbeatMs: number;
  backoff?: BackoffPolicy;
  /** How often a standby tries to take the link's lease. */
  leaseRetryMs?: number;
  random?: () => number;
  /** Called after a batch committed new entries (the feeds of this region should look). */
  onApplied?: () => void;
  /**
   * True only while this region is being refilled (it has decided nothing yet):
   * then its own origin log comes back from peers. Otherwise such entries are refused.
   */
  acceptsOwnOrigin?: () => boolean;
}

export interface LinkError {
  at: string;
  code: string;
  message: string;
}

export interface PullerStatus {
  peer: string;
  url: string;
  state: LinkState;
  /** This process holds the link's lease (one puller per region and peer). */
  leaseHeld: boolean;
  since: string;
  lastFrameAt: string | null;
  /** What the peer last said it holds. */
  peerVector: VersionVector | null;
  entriesApplied: number;
  consecutiveFailures: number;
  lastError: LinkError | null;
}

/** Entries read ahead of the apply (bounded memory: then the feed's TCP stream waits). */
const MAX_QUEUED_ENTRIES = 5_000;
/** Acknowledgements to one peer start at most this often (the latest vector each time). */
const ACK_INTERVAL_MS = 20;
/** Entries applied in one transaction at most. */
const MAX_ENTRIES_PER_APPLY = 2_000;

/**
 * Frames read but not yet applied, in order. `take` hands over everything
 * queued (up to a limit) at once; frames are kept whole.
 */
interface QueuedFrame {
  entries: ReplicationEntry[];
  /** When it was read (`performance.now()`), for the apply-wait histogram. */
  readAt: number;
}

class BatchQueue {
  private frames: QueuedFrame[] = [];
  private size = 0;
  private ended = false;
  private notify?: () => void;

  constructor(private readonly capacity: number) {}

  async put(frame: QueuedFrame, signal: AbortSignal): Promise<void> {
    while (this.size >= this.capacity && !this.ended && !signal.aborted) await this.changed();
    if (this.ended || signal.aborted) return;
    this.frames.push(frame);
    this.size += frame.entries.length;
    this.wake();
  }

  /** Everything queued, up to `limit` entries (at least one frame); `undefined` once ended and empty. */
  async take(limit: number): Promise<QueuedFrame[] | undefined> {
    while (!this.frames.length && !this.ended) await this.changed();
    if (!this.frames.length) return undefined;
    const taken: QueuedFrame[] = [];
    let entries = 0;
    while (
      this.frames.length &&
      (!taken.length || entries + this.frames[0].entries.length <= limit)
    ) {
      const frame = this.frames.shift()!;
      this.size -= frame.entries.length;
      entries += frame.entries.length;
      taken.push(frame);
    }
    this.wake();
    return taken;
  }

  end(): void {
    this.ended = true;
    this.wake();
  }

  private changed(): Promise<void> {
    return new Promise((resolve) => {
      const previous = this.notify;
      this.notify = () => {
        previous?.();
        resolve();
      };
    });
  }

  private wake(): void {
    const notify = this.notify;
    this.notify = undefined;
    notify?.();
  }
}

/** A batch broke a rule: it was refused whole and nothing of it was stored. */
class BatchRefused extends Error {
  constructor(
    readonly reason: RefusalReason,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * Pulls one peer's feed into this geode (DESIGN.md §3): asks for every origin
 * after the vector it holds, validates every frame (the peer is untrusted),
 * applies batches through the store (contiguous per origin, idempotent,
 * knowledge in the same transaction), and reconnects with capped exponential
 * backoff and full jitter. A refused batch is never passed: the next attempt
 * asks again from the stored vector. Only the holder of the link's lease pulls.
 */
export class ReplicationPuller {
  private state: LinkState = 'standby';
  private since: number;
  private lastFrameAt: number | null = null;
  private entriesApplied = 0;
  private failures = 0;
  private lastError: LinkError | null = null;
  private readonly lease: LinkLease;
  private readonly stopping = new AbortController();
  private current?: AbortController;
  private running?: Promise<void>;
  private ack?: { vector: VersionVector; sent: VersionVector; sending: boolean; sentAt: number };

  constructor(private readonly options: ReplicationPullerOptions) {
    this.lease = new LinkLease(options.databaseUrl, options.peer.region);
    this.since = options.clock.nowMs();
  }

  get peer(): string {
    return this.options.peer.region;
  }

  start(): void {
    this.running ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    this.current?.abort();
    await this.running;
    await this.lease.release();
    this.setState('stopped');
  }

  status(): PullerStatus {
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    return {
      peer: this.options.peer.region,
      url: this.options.peer.url,
      state: this.state,
      leaseHeld: this.lease.held,
      since: iso(this.since)!,
      lastFrameAt: iso(this.lastFrameAt),
      peerVector: this.options.lag.peerVector(this.options.peer.region),
      entriesApplied: this.entriesApplied,
      consecutiveFailures: this.failures,
      lastError: this.lastError,
    };
  }

  private get stopped(): boolean {
    return this.stopping.signal.aborted;
  }

  private setState(state: LinkState): void {
    if (this.state === state) return;
    this.state = state;
    this.since = this.options.clock.nowMs();
    this.options.metrics.linkUp.set({ peer: this.peer }, state === 'streaming' ? 1 : 0);
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      if (!(await this.holdLease())) {
        this.setState('standby');
        await pause(this.options.leaseRetryMs ?? 1_000, this.stopping.signal);
        continue;
      }
      if (this.stopped) break;
      const attempt = new AbortController();
      this.current = attempt;
      const unsubscribe = this.lease.onLost(() => attempt.abort());
      try {
        await this.pull(AbortSignal.any([attempt.signal, this.stopping.signal]));
        if (!this.stopped) this.fail(new Error('the peer ended the feed'), 'feed-ended');
      } catch (error) {
        if (!this.stopped) this.handleFailure(error);
      } finally {
        unsubscribe();
        this.current = undefined;
      }
      if (this.stopped) break;
      this.setState('backoff');
      const delay = reconnectDelayMs(
        this.failures,
        this.options.backoff ?? DEFAULT_BACKOFF,
        this.options.random,
      );
      await pause(delay, this.stopping.signal);
    }
  }

  private async holdLease(): Promise<boolean> {
    try {
      return await this.lease.tryAcquire();
    } catch (error) {
      this.fail(error as Error, 'lease-unavailable');
      return false;
    }
  }

  /**
   * Reads frames and applies batches concurrently: while one transaction
   * runs, the frames that arrive queue up (bounded) and go into the next one
   * together, so a busy geode applies fewer, larger transactions instead of
   * falling behind one small frame at a time.
   */
  private async pull(signal: AbortSignal): Promise<void> {
    const { peer, store, lag } = this.options;
    const vector = await store.knowledge();
    lag.observeLocal(vector);
    this.setState('connecting');
    const failed = new AbortController();
    const queue = new BatchQueue(MAX_QUEUED_ENTRIES);
    const frames = openFeed(peer, vector, this.options.auth, {
      signal: AbortSignal.any([signal, failed.signal]),
      idleTimeoutMs: this.options.heartbeatMs * 3 + 1_000,
      onBytes: (bytes) => this.options.metrics.bytesIn.inc({ peer: peer.region }, bytes),
    });
    const read = async () => {
      let greeted = false;
      for await (const frame of frames) {
        this.lastFrameAt = this.options.clock.nowMs();
        if (!greeted) {
          if (frame.type !== 'hello')
            throw new BatchRefused('malformed', 'the feed did not start with hello');
          if (frame.region !== peer.region) {
            throw new BatchRefused(
              'malformed',
              `the peer at ${peer.url} says it is ${frame.region}, configured as ${peer.region}`,
            );
          }
          greeted = true;
          lag.observePeer(peer.region, frame.vector);
          this.setState('streaming');
          continue;
        }
        if (frame.type === 'hello') throw new BatchRefused('malformed', 'a second hello frame');
        if (frame.type === 'heartbeat') {
          lag.observePeer(peer.region, frame.vector);
          this.failures = 0;
          // What this geode learnt over other links counts as acknowledged to this peer too.
          this.acknowledge(lag.localVector);
          continue;
        }
        const receivedAt = this.options.clock.nowMs();
        for (const entry of frame.entries) {
          // Direct entries only: relayed copies come late by design and are mostly skipped.
          if (!isMarker(entry) && entry.origin.region === peer.region)
            this.options.metrics.receiveLag.observe(
              Math.max(0, receivedAt - entry.hlc.wallMs) / 1000,
            );
        }
        await queue.put({ entries: frame.entries, readAt: performance.now() }, failed.signal);
      }
    };
    const apply = async () => {
      for (;;) {
        const frames = await queue.take(MAX_ENTRIES_PER_APPLY);
        if (!frames) return;
        const started = performance.now();
        for (const frame of frames)
          this.options.metrics.applyWait.observe((started - frame.readAt) / 1000);
        await this.apply({ type: 'batch', entries: frames.flatMap((frame) => frame.entries) });
        this.options.metrics.applyDuration.observe((performance.now() - started) / 1000);
      }
    };
    const reading = read().finally(() => queue.end());
    const applying = apply();
    try {
      await Promise.all([
        reading.catch((error: unknown) => {
          failed.abort();
          throw error;
        }),
        applying.catch((error: unknown) => {
          failed.abort();
          queue.end();
          throw error;
        }),
      ]);
    } finally {
      await Promise.allSettled([reading, applying]);
    }
  }

  private async apply(frame: BatchFrame): Promise<void> {
    const { peer, store, lag, metrics, clock, localRegion } = this.options;
    const own = frame.entries.find((entry) => entry.origin.region === localRegion);
    if (own && !this.options.acceptsOwnOrigin?.()) {
      // This region's own log only grows through its sequencer; a peer cannot extend it.
      throw new BatchRefused(
        'own-origin',
        `entry ${localRegion}#${own.origin.seq} claims this region as its origin`,
      );
    }
    const relabelled = frame.entries.find(
      (entry) => !isMarker(entry) && entry.dot.region !== entry.origin.region,
    );
    if (relabelled) {
      // An event's origin log is its deciding region's: anything else is a relabelled entry.
      throw new BatchRefused(
        'wrong-origin',
        `entry ${relabelled.origin.region}#${relabelled.origin.seq} was decided in ${(relabelled as ReplicatedEvent).dot.region}`,
      );
    }
    // Entries this geode already holds (learnt over another link, usually the origin's own)
    // need no transaction: skipping them keeps two pullers from queueing on the same rows.
    const held = lag.localVector;
    const fresh = frame.entries.filter(
      (entry) => entry.origin.seq > (held[entry.origin.region] ?? 0),
    );
    const advertised: VersionVector = {};
    for (const entry of frame.entries) {
      advertised[entry.origin.region] = Math.max(
        advertised[entry.origin.region] ?? 0,
        entry.origin.seq,
      );
    }
    lag.observePeer(peer.region, advertised);
    if (!fresh.length) {
      this.acknowledge(held);
      return;
    }
    let result;
    try {
      result = await store.applyReplicated(fresh);
    } catch (error) {
      if (error instanceof ReplicationRefused) {
        throw new BatchRefused(reasonOf(error.reason), error.message, { cause: error });
      }
      if (error instanceof EventStoreError) {
        throw new BatchRefused('malformed', error.message, { cause: error });
      }
      throw error;
    }
    if (result.applied) {
      this.options.onApplied?.();
      const now = clock.nowMs();
      for (const entry of fresh) {
        if (!isMarker(entry)) metrics.applyLag.observe(Math.max(0, now - entry.hlc.wallMs) / 1000);
      }
    }
    lag.observeLocal(result.knowledge);
    metrics.eventsIn.inc({ peer: peer.region }, result.applied);
    this.entriesApplied += result.applied;
    this.failures = 0;
    // Everything held, also over other links: the peer's feed then knows not to relay it.
    this.acknowledge(lag.localVector);
  }

  /**
   * Tells the peer what this geode holds (its ack), when that moved past
   * what was last sent: one request at a time, always the latest vector.
   */
  private acknowledge(vector: VersionVector): void {
    const ack = (this.ack ??= { vector: {}, sent: {}, sending: false, sentAt: -Infinity });
    ack.vector = mergeVectors(ack.vector, vector);
    if (ack.sending || !ahead(ack.vector, ack.sent)) return;
    ack.sending = true;
    void (async () => {
      while (!this.stopped && ahead(ack.vector, ack.sent)) {
        // The first ack after a quiet spell goes at once (sync writes wait on it); under load the
        // ones that follow fold into one per interval: each is a signed request the peer serves.
        const wait = ack.sentAt + ACK_INTERVAL_MS - performance.now();
        if (wait > 0) await pause(wait, this.stopping.signal);
        const sending = ack.vector;
        ack.sentAt = performance.now();
        const delivered = await sendAck(
          this.options.peer,
          sending,
          this.options.auth,
          this.options.heartbeatMs,
        ).then(
          () => true,
          () => false, // the next feed request carries the vector anyway
        );
        if (!delivered) break;
        this.options.metrics.acksSent.inc({ peer: this.peer });
        ack.sent = sending;
      }
      ack.sending = false;
    })();
  }

  private handleFailure(error: unknown): void {
    const { peer } = this.options;
    if (
      error instanceof BatchRefused ||
      error instanceof MalformedFrame ||
      error instanceof FrameTooLarge
    ) {
      const reason: RefusalReason = error instanceof BatchRefused ? error.reason : 'malformed';
      this.options.metrics.refused.inc({ peer: peer.region, reason });
      const fields = { peer: peer.region, peerUrl: peer.url, reason, detail: error.message };
      if (reason === 'residency' || reason === 'own-origin' || reason === 'wrong-origin') {
        this.options.log.error(
          { ...fields, security: true },
          'security: a peer sent data this region may not hold',
        );
      } else {
        this.options.log.warn(fields, 'refused a batch from a peer');
      }
      this.fail(error, `refused-${reason}`);
      return;
    }
    const failure = error as Error;
    this.options.log.warn(
      { peer: peer.region, peerUrl: peer.url, detail: failure?.message },
      'replication link failed; reconnecting',
    );
    this.fail(failure, (failure as { code?: string })?.code ?? 'link-failed');
  }

  private fail(error: Error, code: string): void {
    this.failures += 1;
    this.lastError = {
      at: new Date(this.options.clock.nowMs()).toISOString(),
      code,
      message: error?.message ?? String(error),
    };
  }
}

function mergeVectors(a: VersionVector, b: VersionVector): VersionVector {
  const merged = { ...a };
  for (const [origin, seq] of Object.entries(b))
    merged[origin] = Math.max(merged[origin] ?? 0, seq);
  return merged;
}

/** `a` holds something `b` does not. */
function ahead(a: VersionVector, b: VersionVector): boolean {
  return Object.entries(a).some(([origin, seq]) => seq > (b[origin] ?? 0));
}

function reasonOf(reason: string): RefusalReason {
  if (reason.includes('residency')) return 'residency';
  if (reason.startsWith('gap')) return 'gap';
  if (reason.includes('digest')) return 'digest';
  if (reason.includes('chain')) return 'chain';
  if (reason.includes('differs from the entry')) return 'conflict';
  if (reason.includes('dot region differs')) return 'wrong-origin';
  if (reason.includes('clock') || reason.includes('hlc') || reason.includes('drift'))
    return 'clock';
  return 'other';
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
