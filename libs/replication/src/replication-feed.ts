import type { EventStore, VersionVector } from '@geode/event-store';
import type { ChangeSignal } from './change-signal';
import { FRAME_BUDGET_BYTES, type FeedFrame, type ReplicationEntry } from './wire-format';

/** Where a feed writes its frames; `write` resolves once the transport can take more (backpressure). */
export interface FrameSink {
  write(frame: string): Promise<void>;
}

export interface FeedOptions {
  /** This geode's region (said in the hello frame). */
  region: string;
  /** The caller's region: residency decides, per event, whether it gets the payload or a marker. */
  receiver: string;
  /** The caller's knowledge vector: the feed starts after it, per origin. */
  after: VersionVector;
  heartbeatMs: number;
  /** Entries read per origin per round (one `readOriginLog` page). */
  pageSize?: number;
  /** After a frame went out; `frame` is its entries (for the send-lag figure). */
  onSent?: (entries: number, bytes: number, frame: readonly ReplicationEntry[]) => void;
  /** After a round's store reads (knowledge and pages), with their duration in ms. */
  onRead?: (ms: number) => void;
  /**
   * What the receiver last acknowledged holding. In a mesh it also learns
   * each origin from the origin itself, usually first: skipping what it
   * already acknowledged keeps the relayed copy off the wire.
   */
  acknowledged?: () => VersionVector;
  /**
   * A relayed origin (neither this geode's nor the receiver's own) is held
   * back while the receiver's acknowledgement of it moved past what this feed
   * sent within this many ms: another link (usually the origin's own) is
   * delivering it. Relaying starts once that has been quiet this long.
   */
  relayHoldMs?: number;
}

const DEFAULT_PAGE = 1_000;
const DEFAULT_RELAY_HOLD_MS = 250;

/**
 * Serves one peer's pull (DESIGN.md §3): every origin this geode holds, in
 * seq order per origin, starting after the caller's vector; then new entries
 * as soon as they are stamped or applied here. Memory stays bounded: one page
 * per origin at a time, and the next read waits until the sink took the last frame.
 */
export class ReplicationFeed {
  private readonly sent: VersionVector;
  private readonly pageSize: number;
  private readonly relayHoldMs: number;
  /** Per relayed origin: the last acknowledgement seen, and when it last moved past `sent`. */
  private readonly others = new Map<string, { acked: number; aheadAt: number }>();

  constructor(
    private readonly store: EventStore,
    private readonly signal: ChangeSignal,
    private readonly options: FeedOptions,
  ) {
    this.sent = { ...options.after };
    this.pageSize = options.pageSize ?? DEFAULT_PAGE;
    this.relayHoldMs = options.relayHoldMs ?? DEFAULT_RELAY_HOLD_MS;
  }

  /**
   * Whether to relay `origin` now. Copies of one event over every path of a
   * mesh would double what is sent, parsed and dropped; a receiver whose
   * acknowledgements keep moving past this feed is served by another link.
   * Its own progress from this feed (ack ≤ sent) does not count, so a relay
   * that took over keeps going. At the start the origin is assumed served
   * elsewhere until the hold has passed.
   */
  private relays(origin: string, acked: number, now: number): boolean {
    if (origin === this.options.region || origin === this.options.receiver) return true;
    let other = this.others.get(origin);
    if (!other) {
      other = { acked, aheadAt: now };
      this.others.set(origin, other);
    }
    if (acked > other.acked && acked > (this.sent[origin] ?? 0)) other.aheadAt = now;
    other.acked = Math.max(other.acked, acked);
    return now - other.aheadAt >= this.relayHoldMs;
  }

  /** What this feed has sent so far, per origin (the caller's vector moved forward). */
  get position(): VersionVector {
    return { ...this.sent };
  }

  async run(sink: FrameSink, abort: AbortSignal): Promise<void> {
    let lastWrite = Date.now();
    const send = async (frame: FeedFrame) => {
      const text = `${JSON.stringify(frame)}\n`;
      await sink.write(text);
      lastWrite = Date.now();
      return Buffer.byteLength(text);
    };
    const held = await this.store.knowledge();
    // The receiver's own log: only what it lacked when it asked (a refill). It decides its own
    // events, so anything newer is an echo of what it already holds, and it refuses that.
    const receiverCap = held[this.options.receiver] ?? 0;
    await send({
      type: 'hello',
      region: this.options.region,
      vector: held,
      heartbeatMs: this.options.heartbeatMs,
    });
    // The vector as last read; which origins to read is decided from it, and the round's own
    // read of it runs alongside the pages.
    let known = held;
    while (!abort.aborted) {
      const seen = this.signal.version;
      const seenOwn = this.signal.ownVersion;
      const acknowledged = this.options.acknowledged?.() ?? {};
      const now = Date.now();
      const plan = this.plan(known, acknowledged, receiverCap, now);
      // One statement per origin to read and one for the vector, all at once: each sequential
      // round trip costs an event-loop turn, which a busy geode makes long.
      const readStarted = performance.now();
      const [vector, ...pages] = await Promise.all([
        this.store.knowledge(),
        ...plan.map(({ origin, from, limit }) =>
          this.store.readOriginLog(origin, {
            afterSeq: from,
            limit,
            receiver: this.options.receiver,
          }),
        ),
      ]);
      this.options.onRead?.(performance.now() - readStarted);
      known = vector;
      if (abort.aborted) return;
      // One page per origin per round, so a long catch-up of one origin does not starve the
      // others; the round's pages go out together, in as few frames as the budget allows.
      const entries = pages.flat();
      for (const page of pages) {
        if (page.length) this.sent[page[0].origin.region] = page[page.length - 1].origin.seq;
      }
      for (const frame of framesOf(entries)) {
        const bytes = await send({ type: 'batch', entries: frame });
        this.options.onSent?.(frame.length, bytes, frame);
      }
      // Something read, or something the new vector shows that this round did not read yet.
      // An origin read empty is not pending, even if the vector (read alongside) is ahead: the
      // commit that moved it also sends the notification the wait below returns on.
      const readEmpty = new Set(plan.filter((_, i) => !pages[i].length).map((p) => p.origin));
      const { pending, holding, relaying } = this.outstanding(
        vector,
        acknowledged,
        receiverCap,
        now,
        readEmpty,
      );
      if (entries.length || pending) continue;
      const idleMs = Date.now() - lastWrite;
      if (idleMs >= this.options.heartbeatMs) {
        await send({ type: 'heartbeat', vector });
        continue;
      }
      // Held-back relays are looked at again once the hold may have passed.
      const waitMs = this.options.heartbeatMs - idleMs;
      const timeoutMs = holding ? Math.min(waitMs, this.relayHoldMs) : waitMs;
      // Entries applied here from peers are news only to a feed that relays some origin now;
      // every other feed wakes for this region's stamps alone (a wake costs a round of reads).
      if (relaying) await this.signal.wait(seen, timeoutMs, abort);
      else await this.signal.waitForOwn(seenOwn, timeoutMs, abort);
    }
  }

  /**
   * The origins to read this round, after what was sent or acknowledged: this
   * geode's own log always (its stamps are what wake a feed most), any other
   * whose entries `known` shows beyond that, unless it is a relay held back.
   */
  private plan(
    known: VersionVector,
    acknowledged: VersionVector,
    receiverCap: number,
    now: number,
  ): { origin: string; from: number; limit: number }[] {
    const origins = new Set([this.options.region, ...Object.keys(known)]);
    const plan = [];
    for (const origin of [...origins].sort()) {
      const from = Math.max(this.sent[origin] ?? 0, acknowledged[origin] ?? 0);
      const isReceiver = origin === this.options.receiver;
      const available = isReceiver ? Math.min(known[origin] ?? 0, receiverCap) : known[origin];
      if (origin !== this.options.region && !((available ?? 0) > from)) continue;
      if (isReceiver && receiverCap <= from) continue;
      if (!this.relays(origin, acknowledged[origin] ?? 0, now)) continue;
      const limit = isReceiver ? Math.min(this.pageSize, receiverCap - from) : this.pageSize;
      plan.push({ origin, from, limit });
    }
    return plan;
  }

  /**
   * Whether `vector` shows entries to send now (`pending`) or held-back relays
   * (`holding`), and whether this feed relays some origin now (`relaying`).
   */
  private outstanding(
    vector: VersionVector,
    acknowledged: VersionVector,
    receiverCap: number,
    now: number,
    readEmpty: ReadonlySet<string>,
  ): { pending: boolean; holding: boolean; relaying: boolean } {
    let pending = false;
    let holding = false;
    let relaying = false;
    for (const [origin, seq] of Object.entries(vector)) {
      const relayed = origin !== this.options.region && origin !== this.options.receiver;
      if (relayed && this.relays(origin, acknowledged[origin] ?? 0, now)) relaying = true;
      if (readEmpty.has(origin)) continue;
      const from = Math.max(this.sent[origin] ?? 0, acknowledged[origin] ?? 0);
      const available = origin === this.options.receiver ? Math.min(seq, receiverCap) : seq;
      if (available <= from) continue;
      if (this.relays(origin, acknowledged[origin] ?? 0, now)) pending = true;
      else holding = true;
    }
    return { pending, holding, relaying };
  }
}

/** Splits a page into frames of about `FRAME_BUDGET_BYTES` of JSON each (at least one entry per frame). */
function* framesOf(entries: ReplicationEntry[]): Generator<ReplicationEntry[]> {
  let frame: ReplicationEntry[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = entrySize(entry);
    if (frame.length && bytes + size > FRAME_BUDGET_BYTES) {
      yield frame;
      frame = [];
      bytes = 0;
    }
    frame.push(entry);
    bytes += size;
  }
  if (frame.length) yield frame;
}

/** A cheap upper-bound-ish estimate: payloads dominate, and they are JSON already. */
function entrySize(entry: ReplicationEntry): number {
  if ('redacted' in entry) return 300;
  return 400 + JSON.stringify(entry.data).length + JSON.stringify(entry.metadata).length;
}
