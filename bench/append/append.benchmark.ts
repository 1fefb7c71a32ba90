import { join } from 'node:path';
import { ratiosPerCase, round, type BenchRow } from '../harness/bench-report';
import type { Benchmark, BenchmarkContext, BenchmarkResult } from '../harness/benchmark';
import { formatCount, formatFixed, renderTable, type Column } from '../harness/table-printer';
import { WorkerProcess } from '../harness/worker-process';
import {
  APPEND_CASES,
  FULL_SIZES,
  POOL_SIZE,
  QUICK_SIZES,
  type AppendCase,
  type AppendSizes,
  type ReadAllCase,
  type WriteCase,
} from './append-cases';
import type {
  AppendWorkerRequest,
  AppendWorkerResponse,
  ReadAllReport,
  WriteReport,
} from './append-protocol';
import { APPEND_SUBJECTS, KNOWN_LOG_READER_DEFECTS } from './subjects/registry';

type AppendWorker = WorkerProcess<AppendWorkerRequest, AppendWorkerResponse>;

const WORKER_MODULE = join(__dirname, 'append-worker.js');

/**
 * Append throughput and latency of Geode's event store next to Emmett's and
 * next to the ceiling (a bare INSERT), case by case: within a case every
 * subject runs back to back, each in its own process and database.
 */
export const appendBenchmark: Benchmark = {
  name: 'append',
  summary: 'event store appends (1 and 100 events, 1–32 writers, a hot stream) and reading the log',
  cases: APPEND_CASES.map((appendCase) => appendCase.name),
  subjects: APPEND_SUBJECTS,
  run: runAppendBenchmark,
};

async function runAppendBenchmark(context: BenchmarkContext): Promise<BenchmarkResult> {
  const { progress, postgres, signal } = context;
  const sizes = context.quick ? QUICK_SIZES : FULL_SIZES;
  const rows: BenchRow[] = [];
  const failures: string[] = [];
  const fail = (message: string) => {
    failures.push(message);
    progress.failure(message);
  };
  /** Per subject: its database, and the events its writers saw committed over the run. */
  const subjects = new Map<string, { url: string; committed: number | undefined }>();
  // A fresh process per (case, subject): its peak RSS is that case's, and no case inherits another's heap.
  let current: AppendWorker | undefined;
  const inWorker = async <T>(subject: string, work: (worker: AppendWorker) => Promise<T>) => {
    const worker: AppendWorker = WorkerProcess.start(subject, WORKER_MODULE, [subject]);
    current = worker;
    try {
      return await work(worker);
    } finally {
      current = undefined;
      if (signal.aborted) worker.kill();
      else await worker.stop();
    }
  };
  const killCurrent = () => current?.kill();
  signal.addEventListener('abort', killCurrent);

  try {
    for (const subject of APPEND_SUBJECTS) {
      signal.throwIfAborted();
      progress.note(`${subject}: creating its database and schema`);
      const url = await postgres.createDatabase(subject);
      try {
        await inWorker(subject, (worker) => worker.request({ kind: 'prepare', url }));
        subjects.set(subject, { url, committed: 0 });
      } catch (error) {
        signal.throwIfAborted();
        fail(`${subject} could not create its schema, it does not run: ${messageOf(error)}`);
      }
    }

    let checkpointRefused = false;
    for (const [caseIndex, appendCase] of APPEND_CASES.entries()) {
      // Rotating the order spreads what one subject leaves behind (dirty pages, autovacuum) over all.
      for (const subject of rotated(APPEND_SUBJECTS, caseIndex)) {
        const state = subjects.get(subject);
        if (!state) continue;
        if (appendCase.kind !== 'readall' && appendCase.subjects?.includes(subject) === false)
          continue;
        signal.throwIfAborted();
        if (!checkpointRefused && !(await postgres.checkpoint())) {
          checkpointRefused = true;
          progress.warn('CHECKPOINT refused (not superuser): subjects may pay for earlier writes');
        }
        progress.note(`${appendCase.name} · ${subject}: ${plan(appendCase, sizes)}`);
        try {
          const row = await inWorker(subject, async (worker) => {
            await worker.request({ kind: 'open', url: state.url, poolSize: POOL_SIZE });
            if (appendCase.kind !== 'readall') {
              return write(worker, appendCase, sizes, (events) => {
                if (state.committed !== undefined) state.committed += events;
              });
            }
            return readAll(worker, appendCase, sizes, {
              committedTotal: state.committed,
              knownDefect: KNOWN_LOG_READER_DEFECTS[subject],
              warn: (note) => progress.warn(`${appendCase.name} · ${subject}: ${note}`),
            });
          });
          rows.push({ case: appendCase.name, subject, ...row });
          progress.note(`${appendCase.name} · ${subject}: ${describe(rows[rows.length - 1])}`);
        } catch (error) {
          signal.throwIfAborted();
          fail(`${appendCase.name} · ${subject}: ${messageOf(error)}`);
          // The case may have committed some events before it failed: the log's size is now unknown.
          state.committed = undefined;
        }
      }
    }
  } finally {
    signal.removeEventListener('abort', killCurrent);
  }

  const caseNames = APPEND_CASES.map((appendCase) => appendCase.name);
  const ratios = ratiosPerCase(rows, caseNames, 'geode', ['emmett', 'ceiling']);
  return {
    rows,
    extra: { ratios },
    tables: [resultsTable(rows), ratiosTable(ratios)],
    failures,
  };
}

async function write(
  worker: AppendWorker,
  writeCase: WriteCase,
  sizes: AppendSizes,
  onCommitted: (events: number) => void,
): Promise<Omit<BenchRow, 'case' | 'subject'>> {
  const report = (await worker.request({
    kind: 'write',
    case: writeCase,
    warmupMs: sizes.warmupMs,
    measureMs: sizes.measureMs,
  })) as WriteReport;
  onCommitted(verifyNothingLost(report));
  const { measured } = report;
  return {
    eventsPerSec: Math.round(measured.events / (measured.wallMs / 1000)),
    p50Ms: roundMs(measured.p50Ms),
    p99Ms: roundMs(measured.p99Ms),
    peakRssMb: measured.peakRssMb,
    events: measured.events,
    appends: measured.operations,
    eventsPerAppend: writeCase.eventsPerAppend,
    writers: writeCase.writers,
    seconds: round(measured.wallMs / 1000, 2),
    ...(writeCase.kind === 'hot'
      ? { streams: writeCase.streams, retries: measured.retries, abandoned: measured.abandoned }
      : {}),
    ...measured.background,
  };
}

/**
 * Compares what the writers saw committed with what the store holds, stream
 * by stream; any difference fails the case. Returns the events committed.
 */
function verifyNothingLost(report: WriteReport): number {
  let total = 0;
  const wrong: string[] = [];
  for (const [streamId, committed] of report.committed) {
    total += committed;
    const stored = report.stored.get(streamId) ?? 0;
    if (stored !== committed) wrong.push(`${streamId}: committed ${committed}, stored ${stored}`);
  }
  for (const [streamId, stored] of report.stored) {
    if (!report.committed.has(streamId)) wrong.push(`${streamId}: stored ${stored}, never written`);
  }
  if (wrong.length > 0) {
    throw new Error(
      `the store does not hold what its writers saw committed (${wrong.length} stream(s)): ` +
        `${wrong.slice(0, 5).join('; ')}${wrong.length > 5 ? '; …' : ''}`,
    );
  }
  return total;
}

async function readAll(
  worker: AppendWorker,
  readAllCase: ReadAllCase,
  sizes: AppendSizes,
  log: { committedTotal: number | undefined; knownDefect?: string; warn: (note: string) => void },
): Promise<Omit<BenchRow, 'case' | 'subject'>> {
  const { committedTotal, knownDefect, warn } = log;
  if (committedTotal === undefined)
    warn('an earlier case failed: the log size is unknown, not checked');
  const report = (await worker.request({
    kind: 'readAll',
    pageSize: readAllCase.pageSize,
    warmupPages: sizes.readAllWarmupPages,
    budgetMs: sizes.readAllBudgetMs,
    expectedEvents: committedTotal,
  })) as ReadAllReport;
  const { measured } = report;
  const row: Omit<BenchRow, 'case' | 'subject'> = {
    eventsPerSec: Math.round(measured.events / (measured.wallMs / 1000)),
    p50Ms: roundMs(measured.p50Ms),
    p99Ms: roundMs(measured.p99Ms),
    peakRssMb: measured.peakRssMb,
    events: measured.events,
    pages: measured.operations,
    pageSize: readAllCase.pageSize,
    logEvents: committedTotal ?? null,
    complete: report.complete,
    seconds: round(measured.wallMs / 1000, 2),
  };
  if (report.delivery && committedTotal !== undefined) {
    const { delivered, distinct } = report.delivery;
    const missing = committedTotal - distinct;
    const summary =
      `reading the whole log delivered ${delivered} events, ${distinct} distinct, ` +
      `for ${committedTotal} committed`;
    if (missing < 0 || (missing > 0 && !knownDefect)) throw new Error(summary);
    // Repeats alone are at-least-once delivery: worth knowing, not a loss.
    row.duplicates = delivered - distinct;
    if (missing > 0) row.missing = missing;
    warn(missing > 0 ? `${summary}: known defect: ${knownDefect}` : summary);
  }
  return row;
}

function plan(appendCase: AppendCase, sizes: AppendSizes): string {
  if (appendCase.kind === 'readall') {
    return `reading the whole log, ${appendCase.pageSize} per page (at most ${sizes.readAllBudgetMs / 1000} s)`;
  }
  const streams =
    appendCase.kind === 'hot' ? `${appendCase.streams} shared streams` : 'a stream each';
  const pace = appendCase.ratePerSec ? `, ${appendCase.ratePerSec} appends/s in all` : '';
  return (
    `${appendCase.writers} writer(s), ${appendCase.eventsPerAppend} event(s) per append, ${streams}${pace}; ` +
    `warm-up ${sizes.warmupMs / 1000} s, measuring ${sizes.measureMs / 1000} s`
  );
}

function describe(row: BenchRow): string {
  const parts = [
    `${formatCount(row.eventsPerSec)} events/s`,
    `p50 ${formatFixed(row.p50Ms, 2)} ms`,
    `p99 ${formatFixed(row.p99Ms, 2)} ms`,
    `peak RSS ${row.peakRssMb} MB`,
  ];
  const notes = notesOf(row);
  return notes ? `${parts.join(', ')} (${notes})` : parts.join(', ');
}

function notesOf(row: BenchRow): string {
  const notes: string[] = [];
  if (typeof row.retries === 'number') {
    notes.push(`${formatCount(row.retries)} retries`);
    if (row.abandoned) notes.push(`${formatCount(row.abandoned as number)} abandoned`);
  }
  if (typeof row.stampLagP99Ms === 'number') {
    notes.push(
      `stamped ${formatFixed(row.stampLagP50Ms as number, 1)}/${formatFixed(row.stampLagP99Ms, 1)} ms p50/p99 after append`,
    );
  }
  if (typeof row.pages === 'number') notes.push(`${formatCount(row.pages)} pages`);
  if (typeof row.missing === 'number') notes.push(`${formatCount(row.missing)} never delivered`);
  if (typeof row.duplicates === 'number' && row.duplicates > 0) {
    notes.push(`${formatCount(row.duplicates)} delivered twice`);
  }
  if (row.complete === false) {
    notes.push(
      `stopped after ${formatCount(row.events as number)} of ${formatCount(row.logEvents as number)}`,
    );
  }
  return notes.join(', ');
}

function resultsTable(rows: readonly BenchRow[]): string {
  const ceilingOf = (caseName: string) =>
    rows.find((row) => row.case === caseName && row.subject === 'ceiling')?.eventsPerSec;
  const columns: Column<BenchRow>[] = [
    { header: 'case', value: (row) => row.case },
    { header: 'subject', value: (row) => row.subject },
    { header: 'events/s', align: 'right', value: (row) => formatCount(row.eventsPerSec) },
    {
      header: 'of ceiling',
      align: 'right',
      value: (row) => {
        const ceiling = ceilingOf(row.case);
        return ceiling && row.eventsPerSec !== undefined
          ? `${Math.round((row.eventsPerSec / ceiling) * 100)}%`
          : '-';
      },
    },
    { header: 'p50 ms', align: 'right', value: (row) => formatFixed(row.p50Ms, 2) },
    { header: 'p99 ms', align: 'right', value: (row) => formatFixed(row.p99Ms, 2) },
    { header: 'peak RSS MB', align: 'right', value: (row) => formatCount(row.peakRssMb) },
    { header: 'events', align: 'right', value: (row) => formatCount(row.events as number) },
    { header: 'notes', value: notesOf },
  ];
  return renderTable(columns, rows);
}

function ratiosTable(ratios: readonly Record<string, string | number | null>[]): string {
  const ratio = (value: string | number | null) =>
    typeof value === 'number' ? `${value.toFixed(2)}×` : 'n/a';
  return renderTable<Record<string, string | number | null>>(
    [
      { header: 'case', value: (row) => String(row.case) },
      { header: 'geode/emmett', align: 'right', value: (row) => ratio(row.geodeOverEmmett) },
      { header: 'geode/ceiling', align: 'right', value: (row) => ratio(row.geodeOverCeiling) },
    ],
    ratios,
  );
}

function rotated<T>(items: readonly T[], by: number): T[] {
  const shift = by % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

function roundMs(value: number | null): number | null {
  return value === null ? null : round(value, 2);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
