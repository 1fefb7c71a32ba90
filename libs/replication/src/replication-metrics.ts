import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { LagTracker } from './lag-tracker';

/** Why a batch from a peer was refused (a bounded label set). */
export type RefusalReason =
  | 'malformed'
  | 'own-origin'
  | 'wrong-origin'
  | 'gap'
  | 'chain'
  | 'digest'
  | 'residency'
  | 'clock'
  | 'conflict'
  | 'other';

/** From a decision in its origin to a step of its replication: milliseconds to minutes. */
const LAG_BUCKETS_SECONDS = [0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 5, 30, 120];

/** Prometheus figures of replication; registered on the app's registry (or none, in tests). */
export class ReplicationMetrics {
  readonly eventsIn: Counter<'peer'>;
  readonly eventsOut: Counter<'peer'>;
  readonly bytesIn: Counter<'peer'>;
  readonly bytesOut: Counter<'peer'>;
  readonly refused: Counter<'peer' | 'reason'>;
  readonly acksSent: Counter<'peer'>;
  readonly linkUp: Gauge<'peer'>;
  readonly applyLag: Histogram;
  readonly sendLag: Histogram;
  readonly receiveLag: Histogram;
  readonly applyWait: Histogram;
  readonly applyDuration: Histogram;
  readonly feedRead: Histogram;

  constructor(registry: Registry | undefined, lag: LagTracker) {
    const registers = registry ? [registry] : [];
    this.eventsIn = new Counter({
      name: 'geode_replication_events_in_total',
      help: 'Entries (events and redacted markers) applied from a peer',
      labelNames: ['peer'],
      registers,
    });
    this.eventsOut = new Counter({
      name: 'geode_replication_events_out_total',
      help: 'Entries sent to a peer on its feed',
      labelNames: ['peer'],
      registers,
    });
    this.bytesIn = new Counter({
      name: 'geode_replication_bytes_in_total',
      help: 'Feed bytes received from a peer, as on the wire (compressed)',
      labelNames: ['peer'],
      registers,
    });
    this.bytesOut = new Counter({
      name: 'geode_replication_bytes_out_total',
      help: 'Feed bytes sent to a peer, before compression',
      labelNames: ['peer'],
      registers,
    });
    this.refused = new Counter({
      name: 'geode_replication_refused_total',
      help: 'Batches from a peer refused whole, by reason',
      labelNames: ['peer', 'reason'],
      registers,
    });
    this.acksSent = new Counter({
      name: 'geode_replication_acks_sent_total',
      help: 'Acknowledgements (POST /replication/v1/ack) delivered to a peer',
      labelNames: ['peer'],
      registers,
    });
    this.linkUp = new Gauge({
      name: 'geode_replication_link_up',
      help: '1 while this process streams the feed of that peer',
      labelNames: ['peer'],
      registers,
    });
    this.applyLag = new Histogram({
      name: 'geode_replication_apply_lag_seconds',
      help: 'From an event decided in its origin (its HLC wall time) to its apply here',
      buckets: LAG_BUCKETS_SECONDS,
      registers,
    });
    // The parts of the apply lag, so a slow link can be told from a slow apply.
    this.sendLag = new Histogram({
      name: 'geode_replication_send_lag_seconds',
      help: 'From an event decided here (its HLC wall time) to its frame written on a feed',
      buckets: LAG_BUCKETS_SECONDS,
      registers,
    });
    this.receiveLag = new Histogram({
      name: 'geode_replication_receive_lag_seconds',
      help: 'From an event decided in the peer (its HLC wall time) to its frame read here from that peer',
      buckets: LAG_BUCKETS_SECONDS,
      registers,
    });
    this.applyWait = new Histogram({
      name: 'geode_replication_apply_wait_seconds',
      help: 'From a frame read here to the start of the transaction that applies it',
      buckets: [0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 5],
      registers,
    });
    this.applyDuration = new Histogram({
      name: 'geode_replication_apply_duration_seconds',
      help: 'Duration of one apply of queued frames (validation and one statement)',
      buckets: [0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 5],
      registers,
    });
    this.feedRead = new Histogram({
      name: 'geode_replication_feed_read_seconds',
      help: "One feed round's store reads (knowledge and one page per origin), waiting for a connection included",
      buckets: [0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 5],
      registers,
    });
    new Gauge({
      name: 'geode_replication_lag_events',
      help: 'Per origin: entries a peer holds that this geode does not yet',
      labelNames: ['origin'],
      registers,
      collect() {
        this.reset();
        for (const [origin, { events }] of Object.entries(lag.lag())) this.set({ origin }, events);
      },
    });
    new Gauge({
      name: 'geode_replication_lag_seconds',
      help: 'Per origin: how long this geode has been behind its peers without catching up',
      labelNames: ['origin'],
      registers,
      collect() {
        this.reset();
        for (const [origin, { ms }] of Object.entries(lag.lag())) this.set({ origin }, ms / 1000);
      },
    });
  }
}
