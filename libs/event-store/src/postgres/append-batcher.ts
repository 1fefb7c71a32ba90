import { Pool } from 'pg';
import type { HybridLogicalClock } from '@geode/clock';
import { bodyDigestOfCanonical } from '../canonical';
import { categoryOf, NewEvent } from '../event-envelope';
import type { AppendOptions } from '../event-store.port';
import type { CanonicalPayload } from '../validation';
import type { CommitSignal } from './commit-signal';

/** One append as the SQL function `geode_append_batch` takes it. */
export interface AppendRequest {
  stream: string;
  category: string;
  expected: string;
  deps: Record<string, number> | null;
  meta: { home?: string; residency?: string[] | null; policy?: string } | null;
  events: AppendRequestEvent[];
}

export interface AppendRequestEvent {
  id: string;
  type: string;
  v: number;
  /** Canonical JSON text of the data and metadata, sent as they are. */
  data: string;
  metadata: string;
  hw: number;
  hl: number;
  /** The body digest (docs/canonical-encoding.md §3.1), hex. */
  bd: string;
}

/**
 * An append as the SQL function takes it; each event gets the clock's next HLC
 * and its body digest. `payloads` are the canonical texts `validateAppend` returned.
 */
export function toAppendRequest(
  streamId: string,
  events: NewEvent[],
  payloads: CanonicalPayload[],
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
    events: events.map((event, i) => {
      const hlc = clock.now();
      const id = event.eventId.toLowerCase();
      const { data, metadata } = payloads[i];
      return {
        id,
        type: event.type,
        v: event.schemaVersion,
        data,
        metadata,
        hw: hlc.wallMs,
        hl: hlc.logical,
        bd: bodyDigestOfCanonical({
          eventId: id,
          streamId,
          type: event.type,
          schemaVersion: event.schemaVersion,
          hlc,
          dataJson: data,
          metadataJson: metadata,
        }),
      };
    }),
  };
}

/**
 * The JSON array the SQL function takes. Written by hand so that the payloads,
 * canonical JSON text already, are not encoded a second time.
 */
export function encodeAppendRequests(requests: readonly AppendRequest[]): string {
  let text = '[';
  requests.forEach((request, r) => {
    if (r > 0) text += ',';
    text +=
      `{"stream":${JSON.stringify(request.stream)},"category":${JSON.stringify(request.category)}` +
      `,"expected":${JSON.stringify(request.expected)},"deps":${JSON.stringify(request.deps)}` +
      `,"meta":${JSON.stringify(request.meta)},"events":[`;
    request.events.forEach((event, e) => {
      if (e > 0) text += ',';
      text +=
        `{"id":${JSON.stringify(event.id)},"type":${JSON.stringify(event.type)},"v":${event.v}` +
        `,"data":${event.data},"metadata":${event.metadata},"hw":${event.hw},"hl":${event.hl}` +
        `,"bd":${JSON.stringify(event.bd)}}`;
    });
    text += ']}';
  });
  return text + ']';
}

/**
 * Calls `geode_append_batch` and reads, in the same statement, the id of the
 * transaction it wrote in (`null`: it wrote nothing), for the commit signal.
 * The subquery is not flattened (OFFSET 0), so the id is read after the call.
 */
export const APPEND_BATCH_SQL = `
  SELECT r.results, pg_current_xact_id_if_assigned()::text AS tx
    FROM (SELECT geode_append_batch($1, $2, $3) AS results OFFSET 0) r`;

export interface AppendBatchRow {
  results: AppendResponse[];
  tx: string | null;
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

// Bound one transaction, and so how long it holds its stream locks and holds
// back the log horizon (every reader, the sequencer too, waits for the oldest
// running append: ADR 0010 §6). A request bigger than the event bound goes alone.
const MAX_BATCH = 64;
const MAX_BATCH_EVENTS = 1_000;
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
    private readonly signal: CommitSignal,
  ) {}

  submit(request: AppendRequest): Promise<AppendResponse> {
    return new Promise((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      this.drain();
    });
  }

  private drain(): void {
    while (this.inFlight < this.maxConcurrentBatches && this.queue.length > 0) {
      const batch = this.queue.splice(0, batchLength(this.queue));
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
        const { rows } = await this.pool.query<AppendBatchRow>(APPEND_BATCH_SQL, [
          this.region,
          encodeAppendRequests(batch.map((pending) => pending.request)),
          false,
        ]);
        this.signal.committed(rows[0].tx);
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

/** How many queued appends the next batch takes: at least one, within both bounds. */
function batchLength(queue: readonly Pending[]): number {
  let events = queue[0].request.events.length;
  let length = 1;
  while (length < Math.min(queue.length, MAX_BATCH)) {
    events += queue[length].request.events.length;
    if (events > MAX_BATCH_EVENTS) break;
    length += 1;
  }
  return length;
}
