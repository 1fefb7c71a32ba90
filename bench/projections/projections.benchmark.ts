import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { GEODE_NODE_FLAGS } from '../../apps/geode/src/projections/geode-node-flags';
import { ratiosPerCase, round, type BenchRow } from '../harness/bench-report';
import type { Benchmark, BenchmarkContext, BenchmarkResult } from '../harness/benchmark';
import { formatCount, formatFixed, renderTable } from '../harness/table-printer';
import { WorkerProcess } from '../harness/worker-process';
import {
  FULL_SIZES,
  PROJECTION_CASES,
  PROJECTION_SUBJECTS,
  QUICK_SIZES,
  TARGETS,
} from './projections-cases';
import type {
  LiveReport,
  LoadReport,
  ProjectionsWorkerRequest,
  ProjectionsWorkerResponse,
  RebuildReport,
} from './projections-protocol';

type ProjectionsWorker = WorkerProcess<ProjectionsWorkerRequest, ProjectionsWorkerResponse>;

const WORKER_MODULE = join(__dirname, 'projections-worker.js');
const ROOT = join(__dirname, '..', '..', '..');

/**
 * The projection platform with the ledger read models: a rebuild from the whole log next
 * to the ceiling (the same projection fed the most direct way), and the commit → visible
 * lag of the live runner at a steady append rate. Each step runs in a fresh process.
 */
export const projectionsBenchmark: Benchmark = {
  name: 'projections',
  summary:
    'ledger read models: rebuild from the log (vs the ceiling) and live lag at 1,000 appends/s',
  cases: PROJECTION_CASES,
  subjects: PROJECTION_SUBJECTS,
  run: runProjectionsBenchmark,
};

async function runProjectionsBenchmark(context: BenchmarkContext): Promise<BenchmarkResult> {
  const { progress, postgres, signal } = context;
  const sizes = context.quick ? QUICK_SIZES : FULL_SIZES;
  const rows: BenchRow[] = [];
  const failures: string[] = [];
  let current: ProjectionsWorker | undefined;
  const inWorker = async <T>(name: string, work: (worker: ProjectionsWorker) => Promise<T>) => {
    // Every step runs the geode's code in a process started as a geode is.
    const worker: ProjectionsWorker = WorkerProcess.start(
      name,
      WORKER_MODULE,
      [],
      GEODE_NODE_FLAGS,
    );
    current = worker;
    try {
      return await work(worker);
    } finally {
      current = undefined;
      if (signal.aborted) worker.kill();
      else await worker.stop(60_000);
    }
  };
  const killCurrent = () => current?.kill();
  signal.addEventListener('abort', killCurrent);
  try {
    // The geode subject rebuilds in the geode app itself, as built from this tree.
    buildGeode();
    const url = await postgres.createDatabase('projections');
    progress.note(`loading about ${formatCount(sizes.rebuildEvents)} ledger events`);
    const loaded = (await inWorker('load', (worker) =>
      worker.request({ kind: 'load', url, events: sizes.rebuildEvents }),
    )) as LoadReport;
    progress.note(`loaded ${formatCount(loaded.events)} events in ${loaded.seconds.toFixed(1)} s`);

    const built = new Map<string, RebuildReport>();
    // The ceiling first, then geode: both read the same log, each in a fresh process.
    for (const subject of ['ceiling', 'geode'] as const) {
      signal.throwIfAborted();
      await postgres.checkpoint();
      progress.note(`rebuild-1m · ${subject}: replaying ${formatCount(loaded.events)} events`);
      try {
        const report = (await inWorker(subject, (worker) =>
          worker.request({ kind: 'rebuild', url, subject }),
        )) as RebuildReport;
        built.set(subject, report);
        rows.push({
          case: 'rebuild-1m',
          subject,
          eventsPerSec: Math.round(report.events / report.seconds),
          peakRssMb: report.peakRssMb,
          events: report.events,
          seconds: round(report.seconds, 2),
        });
        progress.note(
          `rebuild-1m · ${subject}: ${formatCount(report.events / report.seconds)} events/s, peak RSS ${report.peakRssMb} MiB`,
        );
      } catch (error) {
        signal.throwIfAborted();
        failures.push(`rebuild-1m · ${subject}: ${(error as Error).message}`);
        progress.failure(failures[failures.length - 1]);
      }
    }
    const [ceiling, geode] = [built.get('ceiling'), built.get('geode')];
    if (ceiling && geode && JSON.stringify(ceiling.tables) !== JSON.stringify(geode.tables)) {
      failures.push(
        `the rebuilt tables differ: geode ${JSON.stringify(geode.tables)}, ceiling ${JSON.stringify(ceiling.tables)}`,
      );
      progress.failure(failures[failures.length - 1]);
    }

    signal.throwIfAborted();
    await postgres.checkpoint();
    progress.note(
      `live-1000eps · geode: ${sizes.liveRatePerSec} appends/s, warm-up ${sizes.liveWarmupMs / 1000} s, measuring ${sizes.liveMeasureMs / 1000} s`,
    );
    try {
      const report = (await inWorker('live', (worker) =>
        worker.request({
          kind: 'live',
          url,
          ratePerSec: sizes.liveRatePerSec,
          warmupMs: sizes.liveWarmupMs,
          measureMs: sizes.liveMeasureMs,
        }),
      )) as LiveReport;
      rows.push({
        case: 'live-1000eps',
        subject: 'geode',
        eventsPerSec: report.ratePerSec,
        p50Ms: report.p50Ms === null ? null : round(report.p50Ms, 2),
        p99Ms: report.p99Ms === null ? null : round(report.p99Ms, 2),
        peakRssMb: report.peakRssMb,
        events: report.measured,
        maxMs: report.maxMs === null ? null : round(report.maxMs, 2),
        deliveryP50Ms: report.deliveryP50Ms === null ? null : round(report.deliveryP50Ms, 2),
        deliveryP99Ms: report.deliveryP99Ms === null ? null : round(report.deliveryP99Ms, 2),
        unseen: report.unseen,
      });
      if (report.unseen > 0) {
        failures.push(`live-1000eps: ${report.unseen} appended events never became visible`);
        progress.failure(failures[failures.length - 1]);
      }
    } catch (error) {
      signal.throwIfAborted();
      failures.push(`live-1000eps · geode: ${(error as Error).message}`);
      progress.failure(failures[failures.length - 1]);
    }
  } finally {
    signal.removeEventListener('abort', killCurrent);
  }

  const ratios = ratiosPerCase(rows, ['rebuild-1m'], 'geode', ['ceiling']);
  const targets = targetChecks(rows, ratios[0]?.geodeOverCeiling);
  return {
    rows,
    extra: { ratios, targets },
    tables: [resultsTable(rows), targetsTable(targets)],
    failures,
  };
}

interface TargetCheck {
  target: string;
  wanted: string;
  measured: number | null;
  met: boolean | null;
}

function targetChecks(rows: readonly BenchRow[], overCeiling: unknown): TargetCheck[] {
  const geodeRebuild = rows.find((r) => r.case === 'rebuild-1m' && r.subject === 'geode');
  const liveRow = rows.find((r) => r.case === 'live-1000eps');
  const check = (target: string, wanted: string, measured: unknown, ok: (v: number) => boolean) => {
    const value = typeof measured === 'number' ? measured : null;
    return { target, wanted, measured: value, met: value === null ? null : ok(value) };
  };
  return [
    check(
      'rebuild events/s',
      `≥ ${TARGETS.rebuildEventsPerSec}`,
      geodeRebuild?.eventsPerSec,
      (v) => v >= TARGETS.rebuildEventsPerSec,
    ),
    check(
      'rebuild ÷ ceiling',
      `≥ ${TARGETS.rebuildOverCeiling}`,
      overCeiling,
      (v) => v >= TARGETS.rebuildOverCeiling,
    ),
    check(
      'rebuild peak RSS MiB',
      `≤ ${TARGETS.rebuildPeakRssMb}`,
      geodeRebuild?.peakRssMb,
      (v) => v <= TARGETS.rebuildPeakRssMb,
    ),
    check(
      'live lag p99 ms',
      `≤ ${TARGETS.liveP99Ms}`,
      liveRow?.p99Ms,
      (v) => v <= TARGETS.liveP99Ms,
    ),
  ];
}

function resultsTable(rows: readonly BenchRow[]): string {
  return renderTable<BenchRow>(
    [
      { header: 'case', value: (r) => r.case },
      { header: 'subject', value: (r) => r.subject },
      { header: 'events', align: 'right', value: (r) => formatCount(r.events as number) },
      { header: 'events/s', align: 'right', value: (r) => formatCount(r.eventsPerSec) },
      { header: 'p50 ms', align: 'right', value: (r) => formatFixed(r.p50Ms, 1) },
      { header: 'p99 ms', align: 'right', value: (r) => formatFixed(r.p99Ms, 1) },
      { header: 'peak RSS MiB', align: 'right', value: (r) => formatCount(r.peakRssMb) },
    ],
    rows,
  );
}

function targetsTable(targets: readonly TargetCheck[]): string {
  return renderTable<TargetCheck>(
    [
      { header: 'target (#5)', value: (t) => t.target },
      { header: 'wanted', value: (t) => t.wanted },
      {
        header: 'measured',
        align: 'right',
        value: (t) => formatFixed(t.measured, t.measured !== null && t.measured < 10 ? 2 : 0),
      },
      { header: 'met', value: (t) => (t.met === null ? '-' : t.met ? 'yes' : 'NO') },
    ],
    targets,
  );
}

function buildGeode(): void {
  const built = spawnSync(
    process.execPath,
    [join(ROOT, 'node_modules', '@nestjs', 'cli', 'bin', 'nest.js'), 'build', 'geode'],
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' },
  );
  if (built.status !== 0) throw new Error(`nest build geode failed: ${built.stderr}`);
}
