import { Inject, Injectable, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Counter, Gauge, type Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { METRICS_REGISTRY } from '@geode/observability';
import { CONFLICTS_SCHEMA } from './fork-detector.projection';

/** What the merger and operators did, and the queue's depth (ADR 0012). */
@Injectable()
export class MergeMetrics {
  /** Per stream attempt: merged, raced (look again), manual (an operator's), incomplete (events still coming). */
  readonly attempts: Counter<'result'>;
  readonly operatorMerges: Counter;

  constructor(
    @InjectDataSource() dataSource: DataSource,
    @Optional() @Inject(METRICS_REGISTRY) registry?: Registry,
  ) {
    const registers = registry ? [registry] : [];
    this.attempts = new Counter({
      name: 'geode_merge_attempts_total',
      help: 'Merges the merger tried for pending forks of streams homed here, by result',
      labelNames: ['result'],
      registers,
    });
    this.operatorMerges = new Counter({
      name: 'geode_operator_merges_total',
      help: 'Manual forks resolved by an operator through this process',
      registers,
    });
    new Gauge({
      name: 'geode_conflicts_pending',
      help: 'Forks detected here and not yet closed by a merge (alert when it stays above zero)',
      registers,
      // A property of the database, not of this process: read at scrape time.
      async collect() {
        const rows = await dataSource
          .query<{ n: number }[]>(
            `SELECT count(*)::int AS n FROM "${CONFLICTS_SCHEMA}"."conflicts" WHERE status = 'pending'`,
          )
          .catch(() => [{ n: 0 }]);
        this.set(rows[0].n);
      },
    });
  }
}
