import { randomUUID } from 'node:crypto';
import { runConcurrently } from '../harness/concurrent-writers';
import { LatencyRecorder } from '../harness/latency-recorder';
import { PeakRssSampler } from '../harness/peak-rss-sampler';
import type { WriteCase } from './append-cases';
import type { ReadAllReport, WriteReport } from './append-protocol';
import { fundsDeposited } from './ledger-events';
import type { AppendTarget } from './subjects/append-subject';

/** A hot-stream append gives up after this many refusals (STYLE.md: retries are bounded). */
const MAX_ATTEMPTS = 100;

/** Writers' own bookkeeping: what they saw committed, per stream. */
class CommittedEvents {
  readonly byStream = new Map<string, number>();

  add(streamId: string, events: number): void {
    this.byStream.set(streamId, (this.byStream.get(streamId) ?? 0) + events);
  }
}

/**
 * One write case against one target: a warm-up on streams of its own, then
 * the measured run on fresh streams, then the store's own count of what the
 * two left, for the parent to compare with what the writers saw committed.
 */
export async function runWriteCase(
  target: AppendTarget,
  writeCase: WriteCase,
  warmupMs: number,
  measureMs: number,
): Promise<WriteReport> {
  const committed = new CommittedEvents();
  if (warmupMs > 0) await runWriters(target, writeCase, warmupMs, committed);
  const rss = new PeakRssSampler();
  rss.start();
  target.startBackgroundFigures?.();
  const measured = await runWriters(target, writeCase, measureMs, committed);
  const background = await target.backgroundFigures?.();
  const peakRssMb = rss.stop();
  const stored = await target.storedCounts([...committed.byStream.keys()]);
  return {
    measured: { ...measured, peakRssMb, background },
    committed: committed.byStream,
    stored,
  };
}

async function runWriters(
  target: AppendTarget,
  writeCase: WriteCase,
  durationMs: number,
  committed: CommittedEvents,
) {
  const streamCount = writeCase.kind === 'hot' ? (writeCase.streams ?? 1) : writeCase.writers;
  const streams = Array.from({ length: streamCount }, () => `bench-${randomUUID()}`);
  const streamOf = (writer: number) => streams[writer % streamCount];
  // The revision each writer last saw of its stream: what it expects on its next append.
  const lastSeen = new Array<number>(writeCase.writers).fill(0);
  let retries = 0;
  let abandoned = 0;
  const paced = writeCase.ratePerSec === undefined ? undefined : new Pacer(writeCase.ratePerSec);
  /** Paced: append latency without the wait for a slot. */
  const pacedLatency = new LatencyRecorder();

  const appendOnce = async (writer: number): Promise<number> => {
    const streamId = streamOf(writer);
    const events = fundsDeposited(
      writeCase.eventsPerAppend,
      writer,
      streamId.slice('bench-'.length),
    );
    if (paced) await paced.nextSlot();
    const started = performance.now();
    for (let attempt = 1; ; attempt++) {
      const expected = lastSeen[writer];
      const outcome = await target.append(streamId, events, expected);
      if (outcome.committed) {
        if (paced) pacedLatency.record(performance.now() - started);
        if (outcome.revision !== expected + events.length) {
          throw new Error(
            `${streamId}: appended ${events.length} event(s) at revision ${expected}, ` +
              `the store says the stream is now at ${outcome.revision}`,
          );
        }
        lastSeen[writer] = outcome.revision;
        committed.add(streamId, events.length);
        return events.length;
      }
      if (writeCase.kind !== 'hot') {
        throw new Error(
          `${streamId}: revision conflict at ${expected}, but writer ${writer} is the stream's only writer`,
        );
      }
      retries++;
      if (attempt === MAX_ATTEMPTS) {
        abandoned++;
        return 0;
      }
      lastSeen[writer] = await target.revision(streamId);
    }
  };

  const result = await runConcurrently({
    writers: writeCase.writers,
    durationMs,
    operation: (writer) => appendOnce(writer),
  });
  const latency = (paced ? pacedLatency : result.latency).summary();
  return {
    wallMs: result.wallMs,
    events: result.items,
    operations: result.operations,
    p50Ms: latency.p50Ms,
    p99Ms: latency.p99Ms,
    maxMs: latency.maxMs,
    retries,
    abandoned,
  };
}

/**
 * Reads the log from its start to its end, page by page; each page read is
 * one latency sample. A few pages are read first, untimed, to warm the code
 * paths; the measured read then starts again from the beginning.
 */
export async function runReadAll(
  target: AppendTarget,
  options: { pageSize: number; warmupPages: number; budgetMs: number; expectedEvents?: number },
): Promise<ReadAllReport> {
  let pagesLeft = options.warmupPages;
  if (pagesLeft > 0) {
    for await (const _page of target.readAll(options.pageSize)) {
      if (--pagesLeft === 0) break;
    }
  }

  const latency = new LatencyRecorder();
  const rss = new PeakRssSampler();
  rss.start();
  const started = performance.now();
  const pages = target.readAll(options.pageSize);
  let events = 0;
  let complete = true;
  for (;;) {
    const pageStarted = performance.now();
    const page = await pages.next();
    latency.record(performance.now() - pageStarted);
    if (page.done) break;
    events += page.value.length;
    if (performance.now() - started > options.budgetMs) {
      complete = false;
      await pages.return(undefined);
      break;
    }
  }
  const wallMs = performance.now() - started;
  const peakRssMb = rss.stop();
  const summary = latency.summary();
  const report: ReadAllReport = {
    measured: {
      wallMs,
      events,
      operations: latency.count,
      p50Ms: summary.p50Ms,
      p99Ms: summary.p99Ms,
      maxMs: summary.maxMs,
      peakRssMb,
    },
    complete,
  };
  if (complete && options.expectedEvents !== undefined && events !== options.expectedEvents) {
    report.delivery = await countDelivery(target, options.pageSize);
  }
  return report;
}

/** Reads the whole log again and counts what it delivers, and how many distinct events. */
async function countDelivery(
  target: AppendTarget,
  pageSize: number,
): Promise<{ delivered: number; distinct: number }> {
  const seen = new Set<string>();
  let delivered = 0;
  for await (const page of target.readAll(pageSize)) {
    delivered += page.length;
    for (const eventId of page) seen.add(eventId);
  }
  return { delivered, distinct: seen.size };
}

/** Hands out start times `1000 / ratePerSec` ms apart, over all writers. */
class Pacer {
  private next = performance.now();

  constructor(private readonly ratePerSec: number) {}

  async nextSlot(): Promise<void> {
    const slot = Math.max(this.next, performance.now());
    this.next = slot + 1000 / this.ratePerSec;
    const wait = slot - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
}
