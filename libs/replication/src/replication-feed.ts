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

const DEFAULT_PAGE = 500;
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
    while (!abort.aborted) {
      const seen = this.signal.version;
      const vector = await this.store.knowledge();
      const acknowledged = this.options.acknowledged?.() ?? {};
      let progressed = false;
      let holding = false;
      const now = Date.now();
      // One page per origin per round, so a long catch-up of one origin does not starve the others.
      for (const origin of Object.keys(vector).sort()) {
        if (abort.aborted) return;
        const from = Math.max(this.sent[origin] ?? 0, acknowledged[origin] ?? 0);
        const relay = this.relays(origin, acknowledged[origin] ?? 0, now);
        const available =
          origin === this.options.receiver ? Math.min(vector[origin], receiverCap) : vector[origin];
        if (available <= from) continue;
        if (!relay) {
          holding = true;
          continue;
        }
        const entries = await this.store.readOriginLog(origin, {
          afterSeq: from,
          limit: Math.min(this.pageSize, available - from),
          receiver: this.options.receiver,
        });
        if (!entries.length) continue;
        for (const frame of framesOf(entries)) {
          const bytes = await send({ type: 'batch', entries: frame });
          this.options.onSent?.(frame.length, bytes, frame);
        }
        this.sent[origin] = entries[entries.length - 1].origin.seq;
        progressed = true;
      }
      if (progressed) continue;
      const idleMs = Date.now() - lastWrite;
      if (idleMs >= this.options.heartbeatMs) {
        await send({ type: 'heartbeat', vector });
        continue;
      }
      // Held-back relays are looked at again once the hold may have passed.
      const waitMs = this.options.heartbeatMs - idleMs;
      await this.signal.wait(seen, holding ? Math.min(waitMs, this.relayHoldMs) : waitMs, abort);
    }
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
