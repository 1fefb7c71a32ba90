import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { GeodeUpstream } from '../proxy/geode-upstream';

export type FailoverReason = 'unreachable' | 'residency' | 'session';

/**
 * The router's Prometheus metrics. Children for each geode are created once,
 * so the proxy path does no label lookups beyond a map read; requests are
 * counted in plain numbers and handed to prom-client when it is scraped.
 */
export class RouterMetrics {
  readonly registry = new Registry();
  private readonly failovers: Counter<'from' | 'to' | 'reason'>;
  private readonly unroutable: Counter<'reason'>;
  private readonly upstreamSeconds: Histogram<'region'>;
  private readonly latencyByRegion = new Map<string, { observe(value: number): void }>();
  /** Answers by region, then by status class (index 1–5 for 1xx–5xx). */
  private readonly answers = new Map<string, number[]>();

  constructor(upstreams: readonly GeodeUpstream[], residencyEntries: () => number) {
    collectDefaultMetrics({ register: this.registry });
    const answers = this.answers;
    new Counter({
      name: 'router_requests_total',
      help: 'Requests answered, by the geode that answered (none: the router itself) and status class',
      labelNames: ['region', 'status'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [region, byClass] of answers)
          byClass.forEach((count, statusClass) => {
            if (count > 0) this.inc({ region, status: `${statusClass}xx` }, count);
          });
      },
    });
    this.failovers = new Counter({
      name: 'router_failovers_total',
      help: 'Requests sent on to another geode, by reason',
      labelNames: ['from', 'to', 'reason'],
      registers: [this.registry],
    });
    this.unroutable = new Counter({
      name: 'router_unroutable_total',
      help: 'Requests refused because no geode could serve them',
      labelNames: ['reason'],
      registers: [this.registry],
    });
    this.upstreamSeconds = new Histogram({
      name: 'router_upstream_response_seconds',
      help: 'Time from sending a request to a geode to its response headers',
      labelNames: ['region'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [this.registry],
    });
    const health = (
      name: string,
      help: string,
      value: (upstream: GeodeUpstream) => number | null,
    ) =>
      new Gauge({
        name,
        help,
        labelNames: ['region'],
        registers: [this.registry],
        collect() {
          this.reset();
          for (const upstream of upstreams) {
            const figure = value(upstream);
            if (figure !== null) this.set({ region: upstream.region }, figure);
          }
        },
      });
    health('router_geode_up', '1 while the geode takes traffic', (upstream) =>
      upstream.health.routable ? 1 : 0,
    );
    health('router_geode_rtt_seconds', 'Smoothed round trip of health checks', (upstream) => {
      const rtt = upstream.health.snapshot().rttMs;
      return rtt === null ? null : rtt / 1000;
    });
    health(
      'router_geode_lag_seconds',
      'Replication or projection lag the geode reports',
      (upstream) => {
        const lag = upstream.health.snapshot().lagMs;
        return lag === null ? null : lag / 1000;
      },
    );
    new Gauge({
      name: 'router_residency_cache_entries',
      help: 'Accounts whose allowed regions the router has learned',
      registers: [this.registry],
      collect() {
        this.set(residencyEntries());
      },
    });
    for (const upstream of upstreams)
      this.latencyByRegion.set(upstream.region, this.upstreamSeconds.labels(upstream.region));
  }

  answered(region: string, statusCode: number): void {
    let byClass = this.answers.get(region);
    if (byClass === undefined) {
      byClass = [0, 0, 0, 0, 0, 0];
      this.answers.set(region, byClass);
    }
    byClass[Math.min(5, Math.max(1, Math.floor(statusCode / 100)))] += 1;
  }

  upstreamLatency(region: string, seconds: number): void {
    this.latencyByRegion.get(region)?.observe(seconds);
  }

  failover(from: string, to: string, reason: FailoverReason): void {
    this.failovers.inc({ from, to, reason });
  }

  unroutableRequest(reason: string): void {
    this.unroutable.inc({ reason });
  }
}
