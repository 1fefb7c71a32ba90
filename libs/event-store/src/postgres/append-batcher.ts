import { Pool } from 'pg';
import type { HybridLogicalClock } from '@geode/clock';
import { categoryOf, NewEvent } from '../event-envelope';
import type { AppendOptions } from '../event-store.port';

/** One append as the SQL function `geode_append_batch` takes it. */
export interface AppendRequest {
  stream: string;
  category: string;
  expected: string;
  deps: Record<string, number> | null;
  meta: { home?: string; residency?: string[] | null; policy?: string } | null;
  events: {
    id: string;
    type: string;
    v: number;
    data: unknown;
    metadata: unknown;
    hw: number;
    hl: number;
  }[];
}

/** An append as the SQL function takes it; each event gets the clock's next HLC. */
export function toAppendRequest(
  streamId: string,
  events: NewEvent[],
  options: AppendOptions,
  clock: HybridLogicalClock,
): AppendRequest {
  const meta = options.streamMetadata;
  return {
    stream: streamId,
    category: categoryOf(streamId),
    expected: String(options.expectedRevision),
    deps: options.deps ?? null,
    meta: meta
      ? { home: meta.homeRegion, residency: meta.residency, policy: meta.mergePolicy }
      : null,
    events: events.map((event) => {
      const hlc = clock.now();
      return {
        id: event.eventId.toLowerCase(),
        type: event.type,
        v: event.schemaVersion,
        data: event.data,
        metadata: event.metadata ?? {},
        hw: hlc.wallMs,
        hl: hlc.logical,
      };
    }),
  };
}

/** Its answer (see the SQL function for the statuses). */
export interface AppendResponse {
  status: 'ok' | 'duplicate' | 'duplicate-mismatch' | 'conflict' | 'deleted' | 'unknown-deps';
  revision?: number;
  positions?: number[];
  /** `ok`: the dot counter of the first event appended. */
  n?: number;
  /** `duplicate`: the dots, HLCs of the first result. */
  dots?: { region: string; n: number }[];
  hw?: number[];
  hl?: number[];
  actual?: number;
  missing?: Record<string, number>;
}

interface Pending {
  request: AppendRequest;
  resolve(response: AppendResponse): void;
  reject(error: unknown): void;
}

const MAX_BATCH = 64; // bounds one transaction, and so how long it holds its stream locks
const DEADLOCK_RETRIES = 5;

/**
 * Group commit: appends that arrive while a batch is being written queue up and
 * go together in the next transaction, one round trip for all of them. Each
 * append keeps its own checks and outcome (the SQL function answers per
 * request); nothing waits on a timer, so a lone append is written at once.
 */
export class AppendBatcher {
  private readonly queue: Pending[] = [];
  private inFlight = 0;

  constructor(
    private readonly pool: Pool,
    private readonly region: string,
    private readonly maxConcurrentBatches: number,
  ) {}

  submit(request: AppendRequest): Promise<AppendResponse> {
    return new Promise((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      this.drain();
    });
  }

  private drain(): void {
    while (this.inFlight < this.maxConcurrentBatches && this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH);
      this.inFlight += 1;
      void this.write(batch).finally(() => {
        this.inFlight -= 1;
        this.drain();
      });
    }
  }

  private async write(batch: Pending[]): Promise<void> {
    // Stream order is the lock order: two batches never wait on each other in a cycle.
    batch.sort((a, b) =>
      a.request.stream < b.request.stream ? -1 : a.request.stream > b.request.stream ? 1 : 0,
    );
    for (let attempt = 1; ; attempt++) {
      try {
        const { rows } = await this.pool.query<{ results: AppendResponse[] }>(
          'SELECT geode_append_batch($1, $2, false) AS results',
          [this.region, JSON.stringify(batch.map((pending) => pending.request))],
        );
        rows[0].results.forEach((response, i) => batch[i].resolve(response));
        return;
      } catch (error) {
        const code = (error as { code?: string }).code;
        if ((code === '40P01' || code === '40001') && attempt < DEADLOCK_RETRIES) continue;
        if (batch.length > 1) {
          // Something in one request failed the whole transaction: write them
          // one by one, so only the culprit fails.
          for (const pending of batch) await this.write([pending]);
          return;
        }
        batch.forEach((pending) => pending.reject(error));
        return;
      }
    }
  }
}
