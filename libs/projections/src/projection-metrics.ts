import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { PendingEvents } from './projection-repository';

/** The platform's Prometheus metrics, labelled by projection. */
export class ProjectionMetrics {
  readonly events: Counter<'projection' | 'mode'>;
  readonly batchDuration: Histogram<'projection' | 'mode'>;
  readonly deadLetters: Counter<'projection'>;
  readonly leader: Gauge<'projection'>;

  constructor(registry: Registry | undefined, lag: () => Promise<Map<string, PendingEvents>>) {
    const registers = registry ? [registry] : [];
    this.events = new Counter({
      name: 'geode_projection_events_total',
      help: 'Events applied by projections in this process (rate() gives events/s)',
      labelNames: ['projection', 'mode'],
      registers,
    });
    this.batchDuration = new Histogram({
      name: 'geode_projection_batch_duration_seconds',
      help: 'One projection batch: claim, apply and commit',
      labelNames: ['projection', 'mode'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers,
    });
    this.deadLetters = new Counter({
      name: 'geode_projection_dead_letters_total',
      help: 'Events parked as dead letters by this process (alert on any increase)',
      labelNames: ['projection'],
      registers,
    });
    this.leader = new Gauge({
      name: 'geode_projection_leader',
      help: '1 while this process holds the projection lease',
      labelNames: ['projection'],
      registers,
    });
    // Lag is a property of the database, not of this process: read it at scrape time.
    let pending: Promise<Map<string, PendingEvents>> | undefined;
    const scrape = () => (pending ??= lag().finally(() => (pending = undefined)));
    new Gauge({
      name: 'geode_projection_lag_events',
      help: 'Events the projection handles that it has not applied yet',
      labelNames: ['projection'],
      registers,
      async collect() {
        for (const [name, lagOf] of await scrape().catch(() => new Map<string, PendingEvents>()))
          this.set({ projection: name }, lagOf.events);
      },
    });
    new Gauge({
      name: 'geode_projection_lag_seconds',
      help: 'Age of the oldest event the projection has not applied yet (0 when caught up)',
      labelNames: ['projection'],
      registers,
      async collect() {
        for (const [name, lagOf] of await scrape().catch(() => new Map<string, PendingEvents>()))
          this.set({ projection: name }, lagOf.seconds);
      },
    });
  }
}
