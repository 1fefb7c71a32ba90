import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Client } from 'pg';
import { Agent, request as undiciRequest } from 'undici';
import { round, type BenchRow } from '../harness/bench-report';
import type { Benchmark, BenchmarkContext, BenchmarkResult } from '../harness/benchmark';
import { LatencyRecorder } from '../harness/latency-recorder';
import type { Progress } from '../harness/progress';
import { formatCount, formatFixed, renderTable, type Column } from '../harness/table-printer';
import { LinkProxy } from '../../apps/cli/src/world/link-proxy';
import { ServiceProcess } from '../router/service-process';
import { RegionCpuSampler, type CpuWindow } from './region-cpu';
import { freePort } from '../harness/free-port';

/** The repository: this file runs as dist/bench/replication/replication.benchmark.js. */
const ROOT = join(__dirname, '..', '..', '..');
const GEODE_MAIN = join(ROOT, 'dist', 'apps', 'geode', 'src', 'main.js');
const REGIONS = ['eu-west-1', 'us-east-1', 'ap-southeast-2'] as const;
/** Offered load, events (deposits) per second over all geodes; BENCH.md's cases use 1,000. */
const RATE = Number(process.env.GEODE_BENCH_REPLICATION_RATE ?? 1_000);
/**
 * Deposits go round robin over this many accounts per geode. A deposit reads
 * and folds its whole account stream, so with few accounts the streams grow
 * through the run (50 accounts: ~1,400 events each by the end of a full run's
 * partition) and the write path's CPU, not replication, comes to dominate
 * every geode. With 500, a full run ends near 130 events per stream.
 */
const ACCOUNTS_PER_GEODE = 500;
/** Accounts opened at once per geode while setting up. */
const OPENING_CONCURRENCY = 25;
/** One-way delay on every link of `wan50-1000eps`, each direction. */
const WAN_ONE_WAY_MS = 50;
const SIZES = {
  quick: { warmupSeconds: 2, steadySeconds: 10, partitionSeconds: 10 },
  full: { warmupSeconds: 5, steadySeconds: 60, partitionSeconds: 60 },
};

interface Geode {
  region: string;
  databaseUrl: string;
  port: number;
  env: NodeJS.ProcessEnv;
  process?: ServiceProcess;
  accounts: string[];
}

/**
 * Three geodes on loopback, each its own process and database, peers of
 * each other (HMAC-signed requests, as configured in production):
 * - `loopback-1000eps`: a steady 1,000 deposits/s spread over the three; lag
 *   from an event's commit in its origin to its apply in each other geode,
 *   both read from `recorded_at` in the databases (one server, one clock);
 * - `catchup-60s`: one geode stopped while the others keep writing at that
 *   rate for the partition time, then started: entries it lacked / time to
 *   hold them all;
 * - `wan50-1000eps`: the geodes restarted with every peer link (each puller's
 *   feed and ack requests) through a `LinkProxy` that delays bytes by 50 ms
 *   each way, then the same steady load and lag figures as loopback. Writers
 *   still reach their geode directly (a client is near its region).
 */
export const replicationBenchmark: Benchmark = {
  name: 'replication',
  summary: 'three geodes on loopback: lag commit→applied at 1,000 ev/s, catch-up rate',
  cases: ['loopback-1000eps', 'catchup-60s', 'wan50-1000eps'],
  subjects: ['geode'],
  run: runReplicationBenchmark,
};

async function runReplicationBenchmark(context: BenchmarkContext): Promise<BenchmarkResult> {
  const { progress, postgres, signal } = context;
  const sizes = context.quick ? SIZES.quick : SIZES.full;
  buildGeode(progress);
  const failures: string[] = [];
  const geodes: Geode[] = [];
  const proxies: LinkProxy[] = [];
  // Writers' connections per geode: excess requests wait in the client instead of flooding a busy geode.
  const writers = new Agent({ connections: 32, keepAliveTimeout: 2_000 });
  const keys = pairwiseKeys();
  const ports = await Promise.all(REGIONS.map(() => freePort()));
  for (const [i, region] of REGIONS.entries()) {
    const databaseUrl = await postgres.createDatabase(`replication_${region.replace(/-/g, '_')}`);
    const peers = REGIONS.flatMap((other, j) =>
      other === region ? [] : [`${other}=http://127.0.0.1:${ports[j]}`],
    ).join(',');
    geodes.push({
      region,
      databaseUrl,
      port: ports[i],
      accounts: [],
      env: {
        DATABASE_URL: databaseUrl,
        GEODE_PEERS: peers,
        GEODE_PEER_AUTH: 'hmac',
        GEODE_PEER_KEYS: keys.get(region)!,
        GEODE_REPLICATION_HEARTBEAT_MS: '1000',
        GEODE_REPLICATION_RETRY_MAX_MS: '1000',
        // Where the geodes write V8 CPU profiles, when asked (to see where a region's CPU goes).
        ...(process.env.GEODE_BENCH_CPU_PROF && {
          NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${process.env.GEODE_BENCH_CPU_PROF}`,
        }),
      },
    });
  }
  try {
    progress.note('starting three geodes');
    await Promise.all(geodes.map((geode) => start(geode)));
    for (const geode of geodes) {
      for (let opened = 0; opened < ACCOUNTS_PER_GEODE; opened += OPENING_CONCURRENCY) {
        const batch = Math.min(OPENING_CONCURRENCY, ACCOUNTS_PER_GEODE - opened);
        geode.accounts.push(
          ...(await Promise.all(Array.from({ length: batch }, () => openAccount(geode)))),
        );
      }
    }
    await converged(geodes, 60_000);

    // loopback-1000eps
    const loopback = await measureLag(
      `loopback-${RATE}eps`,
      writers,
      geodes,
      sizes,
      context,
      failures,
    );

    // catchup-60s
    signal.throwIfAborted();
    const [, , behind] = geodes;
    progress.note(
      `stopping ${behind.region}; writing ${sizes.partitionSeconds} s in the other two`,
    );
    await behind.process!.stop();
    behind.process = undefined;
    const others = geodes.filter((geode) => geode !== behind);
    const partitioned = await steadyLoad(writers, others, RATE, sizes.partitionSeconds, signal);
    if (partitioned.failed)
      failures.push(
        `catch-up: ${partitioned.failed} of ${partitioned.sent} writes failed ${JSON.stringify(partitioned.statuses)}`,
      );
    await converged(others, 120_000);
    const before = await knowledge(behind);
    const heads = await Promise.all(others.map((geode) => knowledge(geode)));
    const target = Object.fromEntries(
      others.map((geode, i) => [geode.region, heads[i][geode.region]]),
    );
    const missing = others.reduce(
      (sum, geode) => sum + target[geode.region] - (before[geode.region] ?? 0),
      0,
    );
    progress.note(`starting ${behind.region}: ${formatCount(missing)} entries to catch up on`);
    await start(behind);
    const started = performance.now();
    const catchupCpu = await sampleCpu(geodes);
    await caughtUp(behind, target, 300_000);
    const seconds = (performance.now() - started) / 1000;
    const catchupCpuWindow = await catchupCpu.stop();
    const catchup: BenchRow = {
      case: 'catchup-60s',
      subject: 'geode',
      eventsPerSec: Math.round(missing / seconds),
      entries: missing,
      seconds: round(seconds, 2),
      partitionSeconds: sizes.partitionSeconds,
      ...cpuFigures(catchupCpuWindow),
    };
    progress.note(
      `catch-up: ${formatCount(missing)} entries in ${seconds.toFixed(2)} s; ${cpuNote(catchupCpuWindow)}`,
    );

    // wan50-1000eps
    signal.throwIfAborted();
    progress.note(`restarting the geodes with ${WAN_ONE_WAY_MS} ms one way on every link`);
    await Promise.all(geodes.map((geode) => geode.process!.stop()));
    for (const geode of geodes) {
      const links = [];
      for (const peer of geodes.filter((other) => other !== geode)) {
        const proxy = await LinkProxy.start({
          delayToTargetMs: WAN_ONE_WAY_MS,
          delayToClientMs: WAN_ONE_WAY_MS,
        });
        proxy.setTarget(peer.port);
        proxies.push(proxy);
        links.push(`${peer.region}=${proxy.url}`);
      }
      geode.env = { ...geode.env, GEODE_PEERS: links.join(',') };
    }
    await Promise.all(geodes.map((geode) => start(geode)));
    await converged(geodes, 60_000);
    const wan = await measureLag(`wan50-${RATE}eps`, writers, geodes, sizes, context, failures);

    const rows = [loopback, catchup, wan];
    return {
      rows,
      extra: {
        targets: {
          loopbackP50Ms: { target: 20, measured: loopback.p50Ms },
          loopbackP99Ms: { target: 100, measured: loopback.p99Ms },
          catchupEventsPerSec: { target: 10_000, measured: catchup.eventsPerSec },
          wan50P99Ms: { target: WAN_ONE_WAY_MS + 60, measured: wan.p99Ms },
        },
      },
      tables: [resultsTable(rows)],
      failures,
    };
  } finally {
    await Promise.all(geodes.flatMap((geode) => (geode.process ? [geode.process.stop()] : [])));
    await Promise.all(proxies.map((proxy) => proxy.close()));
    await writers.close();
  }
}

/**
 * Warm-up, then a steady load for the measured window; lag of every event
 * recorded in the window, commit in its origin → applied in each other geode.
 */
async function measureLag(
  name: string,
  writers: Agent,
  geodes: Geode[],
  sizes: (typeof SIZES)['quick'],
  context: BenchmarkContext,
  failures: string[],
): Promise<BenchRow> {
  const { progress, signal } = context;
  signal.throwIfAborted();
  progress.note(`${name}: warming up ${sizes.warmupSeconds} s at ${RATE} ev/s`);
  await steadyLoad(writers, geodes, RATE, sizes.warmupSeconds, signal);
  const windowStart = await serverNowMs(geodes[0]);
  const metricsBefore = await wireFigures(geodes);
  progress.note(`${name}: measuring ${sizes.steadySeconds} s at ${RATE} ev/s`);
  const cpu = await sampleCpu(geodes);
  const load = await steadyLoad(writers, geodes, RATE, sizes.steadySeconds, signal);
  const cpuWindow = await cpu.stop();
  if (load.failed)
    failures.push(
      `${name}: ${load.failed} of ${load.sent} writes failed ${JSON.stringify(load.statuses)}`,
    );
  await converged(geodes, 120_000);
  const { total: lag, shipping } = await applyLags(geodes, windowStart);
  const wire = windowFigures(metricsBefore, await wireFigures(geodes), cpuWindow.seconds);
  const ms = (value: number | null, decimals = 2) =>
    value === null ? null : round(value, decimals);
  const row: BenchRow = {
    case: name,
    subject: 'geode',
    eventsPerSec: Math.round(load.ok / sizes.steadySeconds),
    p50Ms: ms(lag.p50Ms),
    p99Ms: ms(lag.p99Ms),
    maxMs: ms(lag.maxMs, 1),
    applies: lag.count,
    // The replication layer's own part: stamped in the origin → applied here.
    shippingP50Ms: ms(shipping.p50Ms),
    shippingP99Ms: ms(shipping.p99Ms),
    // The origin's append → stamp part (its sequencer), mean over the window.
    stampMeanMs: wire.stampMeanMs,
    sendMeanMs: wire.sendMeanMs,
    receiveMeanMs: wire.receiveMeanMs,
    applyWaitMeanMs: wire.applyWaitMeanMs,
    applyMeanMs: wire.applyMeanMs,
    feedReadMeanMs: wire.feedReadMeanMs,
    eventLoopLagMeanMs: wire.eventLoopLagMeanMs,
    acksPerSec: wire.acksPerSec,
    bytesPerEvent: wire.bytesPerEvent,
    ...cpuFigures(cpuWindow),
    peakRssMb: Math.max(
      ...(await Promise.all(geodes.map((g) => g.process!.peakRssMb()))).map((mb) => mb ?? 0),
    ),
  };
  progress.note(
    `${name}: ${row.eventsPerSec} ev/s, lag p50 ${formatFixed(lag.p50Ms, 2)} ms, p99 ${formatFixed(lag.p99Ms, 2)} ms ` +
      `(shipping p50 ${formatFixed(shipping.p50Ms, 2)} ms, p99 ${formatFixed(shipping.p99Ms, 2)} ms); ` +
      `means: append→stamp ${wire.stampMeanMs} ms, decided→sent ${wire.sendMeanMs} ms, decided→received ${wire.receiveMeanMs} ms, ` +
      `received→apply start ${wire.applyWaitMeanMs} ms, apply ${wire.applyMeanMs} ms, ` +
      `feed read round ${wire.feedReadMeanMs} ms, event loop lag ${wire.eventLoopLagMeanMs} ms, ` +
      `${wire.acksPerSec} acks/s; ${cpuNote(cpuWindow)}`,
  );
  return row;
}

function sampleCpu(geodes: Geode[]): Promise<RegionCpuSampler> {
  return RegionCpuSampler.start(
    geodes.map((geode) => ({
      region: geode.region,
      databaseUrl: geode.databaseUrl,
      pid: geode.process!.pid,
    })),
  );
}

/**
 * CPU per region (% of one core over the window): its geode process and its
 * database's PostgreSQL backends, measured from /proc/<pid>/stat of each
 * (geodes run as processes of their own). `cpuPercent` is the mean per region.
 */
function cpuFigures(window: CpuWindow): Omit<BenchRow, 'case' | 'subject'> {
  const perRegion = window.regions.map((region) => ({
    region: region.region,
    geodePercent: region.geodePercent,
    postgresPercent: region.postgresPercent,
    totalPercent: round(region.geodePercent + region.postgresPercent, 1),
  }));
  const total = perRegion.reduce((sum, region) => sum + region.totalPercent, 0);
  return {
    cpuPercent: round(total / perRegion.length, 1),
    cpuPerRegion: perRegion,
    postgresSharedCpuPercent: window.postgresSharedPercent,
    backendWaits: Object.fromEntries(window.regions.map((region) => [region.region, region.waits])),
  };
}

function cpuNote(window: CpuWindow): string {
  const parts = window.regions.map(
    (region) => `${region.region} geode ${region.geodePercent}% + pg ${region.postgresPercent}%`,
  );
  return `CPU per region: ${parts.join(', ')}; pg shared ${window.postgresSharedPercent}%`;
}

async function start(geode: Geode): Promise<void> {
  geode.process = await ServiceProcess.start(
    geode.region,
    GEODE_MAIN,
    ['--region', geode.region, '--port', String(geode.port)],
    geode.env,
  );
}

async function openAccount(geode: Geode): Promise<string> {
  const accountId = randomUUID();
  const response = await fetch(`http://127.0.0.1:${geode.port}/v1/accounts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ accountId, owner: { name: 'Bench' }, currency: 'EUR' }),
  });
  await response.arrayBuffer();
  if (response.status !== 201)
    throw new Error(`open account in ${geode.region}: ${response.status}`);
  return accountId;
}

/** `rate` deposits per second over `geodes`, round robin, for `seconds`, paced every 10 ms. */
async function steadyLoad(
  writers: Agent,
  geodes: Geode[],
  rate: number,
  seconds: number,
  signal: AbortSignal,
): Promise<{ sent: number; ok: number; failed: number; statuses: Record<string, number> }> {
  const counts = { sent: 0, ok: 0, failed: 0, statuses: {} as Record<string, number> };
  const count = (status: string) => (counts.statuses[status] = (counts.statuses[status] ?? 0) + 1);
  const inFlight = new Set<Promise<void>>();
  const began = performance.now();
  const total = rate * seconds;
  while (counts.sent < total && !signal.aborted) {
    const due = Math.min(total, Math.floor(((performance.now() - began) / 1000) * rate));
    while (counts.sent < due) {
      const geode = geodes[counts.sent % geodes.length];
      const account =
        geode.accounts[Math.floor(counts.sent / geodes.length) % geode.accounts.length];
      counts.sent += 1;
      const request = undiciRequest(
        `http://127.0.0.1:${geode.port}/v1/accounts/${account}/deposits`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"amount":"1"}',
          dispatcher: writers,
        },
      )
        .then(async (response) => {
          await response.body.dump();
          if (response.statusCode === 201) counts.ok += 1;
          else {
            counts.failed += 1;
            count(String(response.statusCode));
          }
        })
        .catch((error: Error) => {
          counts.failed += 1;
          const cause = (error.cause as { code?: string } | undefined)?.code;
          count(cause ? `${error.message} (${cause})` : error.message);
        })
        .finally(() => inFlight.delete(request));
      inFlight.add(request);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await Promise.all(inFlight);
  return counts;
}

async function sql<T extends object>(url: string, text: string): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

async function knowledge(geode: Geode): Promise<Record<string, number>> {
  const rows = await sql<{ origin_region: string; seq: string }>(
    geode.databaseUrl,
    'SELECT origin_region, seq FROM geode_knowledge',
  );
  return Object.fromEntries(rows.map((row) => [row.origin_region, Number(row.seq)]));
}

async function serverNowMs(geode: Geode): Promise<number> {
  const [row] = await sql<{ ms: number }>(
    geode.databaseUrl,
    'SELECT extract(epoch FROM clock_timestamp()) * 1000 AS ms',
  );
  return Number(row.ms);
}

/** Waits until every geode holds every event decided in any of them (stamped and applied). */
async function converged(geodes: Geode[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const decided = await Promise.all(
      geodes.map((geode) =>
        sql<{ n: string }>(
          geode.databaseUrl,
          'SELECT count(*) AS n FROM geode_events WHERE is_local',
        ),
      ),
    );
    const vectors = await Promise.all(geodes.map((geode) => knowledge(geode)));
    const done = geodes.every((origin, i) =>
      vectors.every((vector) => (vector[origin.region] ?? 0) >= Number(decided[i][0].n)),
    );
    if (done) return;
    if (Date.now() > deadline)
      throw new Error(`no convergence within ${timeoutMs} ms: ${JSON.stringify(vectors)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Waits until `geode` holds `target` of every origin. Only its knowledge is
 * looked at, on one connection, every 10 ms: counting every geode's events as
 * `converged` does would load the machine whose catch-up is being measured.
 */
async function caughtUp(
  geode: Geode,
  target: Record<string, number>,
  timeoutMs: number,
): Promise<void> {
  const client = new Client({ connectionString: geode.databaseUrl });
  await client.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { rows } = await client.query<{ origin_region: string; seq: string }>(
        'SELECT origin_region, seq FROM geode_knowledge',
      );
      const held = Object.fromEntries(rows.map((row) => [row.origin_region, Number(row.seq)]));
      if (Object.entries(target).every(([origin, seq]) => (held[origin] ?? 0) >= seq)) return;
      if (Date.now() > deadline)
        throw new Error(
          `${geode.region} did not catch up within ${timeoutMs} ms: ${JSON.stringify(held)}`,
        );
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  } finally {
    await client.end();
  }
}

/**
 * Per (event, receiving geode), for events recorded after `sinceMs`: `total`
 * is applied there − recorded (appended) in its origin; `shipping` is applied
 * there − stamped in its origin (the replication layer's own part: feed,
 * wire, validation, apply).
 */
async function applyLags(geodes: Geode[], sinceMs: number) {
  const recorded = await Promise.all(
    geodes.map((geode) =>
      sql<{ event_id: string; ms: number; stamped_ms: number | null; is_local: boolean }>(
        geode.databaseUrl,
        `SELECT e.event_id, extract(epoch FROM e.recorded_at) * 1000 AS ms,
                extract(epoch FROM o.stamped_at) * 1000 AS stamped_ms, e.is_local
           FROM geode_events e LEFT JOIN geode_origin_log o ON o.event_id = e.event_id`,
      ),
    ),
  );
  const origin = new Map<string, { recorded: number; stamped: number }>();
  for (const rows of recorded)
    for (const row of rows)
      if (row.is_local && Number(row.ms) >= sinceMs)
        origin.set(row.event_id, { recorded: Number(row.ms), stamped: Number(row.stamped_ms) });
  const total = new LatencyRecorder();
  const shipping = new LatencyRecorder();
  for (const rows of recorded) {
    for (const row of rows) {
      const source = origin.get(row.event_id);
      if (row.is_local || source === undefined) continue;
      total.record(Number(row.ms) - source.recorded);
      shipping.record(Number(row.ms) - source.stamped);
    }
  }
  return { total: total.summary(), shipping: shipping.summary() };
}

/** Compressed feed bytes and replicated entries in, and append→stamp time, summed from the geodes' own counters. */
/** Sums and counts of the geodes' own counters and histograms (a histogram: `<name>Sum`, `<name>Count`). */
const COUNTERS = {
  bytes: 'geode_replication_bytes_in_total{',
  entries: 'geode_replication_events_in_total{',
  stampSum: 'geode_sequencer_stamp_lag_seconds_sum',
  stampCount: 'geode_sequencer_stamp_lag_seconds_count',
  sendSum: 'geode_replication_send_lag_seconds_sum',
  sendCount: 'geode_replication_send_lag_seconds_count',
  receiveSum: 'geode_replication_receive_lag_seconds_sum',
  receiveCount: 'geode_replication_receive_lag_seconds_count',
  waitSum: 'geode_replication_apply_wait_seconds_sum',
  waitCount: 'geode_replication_apply_wait_seconds_count',
  applySum: 'geode_replication_apply_duration_seconds_sum',
  applyCount: 'geode_replication_apply_duration_seconds_count',
  feedReadSum: 'geode_replication_feed_read_seconds_sum',
  feedReadCount: 'geode_replication_feed_read_seconds_count',
  acks: 'geode_replication_acks_sent_total{',
  // prom-client's event loop delay: the mean since the previous scrape (it resets on each).
  eventLoopLag: 'nodejs_eventloop_lag_mean_seconds{',
} as const;
type WireCounters = Record<keyof typeof COUNTERS, number>;

/** Means over the window, ms: the parts of the lag as the geodes measured them. */
interface LagParts {
  bytesPerEvent: number;
  /** Append → stamped in the origin (its sequencer). */
  stampMeanMs: number;
  /** Decided in the origin (HLC wall) → written on a feed there. */
  sendMeanMs: number;
  /** Decided in the origin (HLC wall) → its frame read by a puller of that origin. */
  receiveMeanMs: number;
  /** Frame read → its apply starts (queued behind an apply in progress). */
  applyWaitMeanMs: number;
  /** One apply (validation and its statement). */
  applyMeanMs: number;
  /** One feed round's store reads (knowledge and pages), pool wait included. */
  feedReadMeanMs: number;
  /** Acknowledgements (`POST /replication/v1/ack`) delivered per second, all geodes. */
  acksPerSec: number;
  /** The geodes' event loop delay over the window, mean of the three. */
  eventLoopLagMeanMs: number;
}

/** The counters' growth between two reads (processes restarted in between start again from 0). */
function windowFigures(before: WireCounters, after: WireCounters, seconds: number): LagParts {
  const grown = (key: keyof WireCounters) =>
    after[key] >= before[key] ? after[key] - before[key] : after[key];
  const meanMs = (sum: keyof WireCounters, count: keyof WireCounters) =>
    grown(count) ? round((grown(sum) / grown(count)) * 1000, 2) : 0;
  return {
    bytesPerEvent: grown('entries') ? round(grown('bytes') / grown('entries'), 1) : 0,
    stampMeanMs: meanMs('stampSum', 'stampCount'),
    sendMeanMs: meanMs('sendSum', 'sendCount'),
    receiveMeanMs: meanMs('receiveSum', 'receiveCount'),
    applyWaitMeanMs: meanMs('waitSum', 'waitCount'),
    applyMeanMs: meanMs('applySum', 'applyCount'),
    feedReadMeanMs: meanMs('feedReadSum', 'feedReadCount'),
    acksPerSec: Math.round(grown('acks') / seconds),
    // A gauge summed over the geodes at the end of the window (the scrape before it reset it).
    eventLoopLagMeanMs: round((after.eventLoopLag / 3) * 1000, 2),
  };
}

async function wireFigures(geodes: Geode[]): Promise<WireCounters> {
  const sums = Object.fromEntries(Object.keys(COUNTERS).map((key) => [key, 0])) as WireCounters;
  const names = Object.entries(COUNTERS) as [keyof WireCounters, string][];
  for (const geode of geodes) {
    const text = await (await fetch(`http://127.0.0.1:${geode.port}/metrics`)).text();
    for (const line of text.split('\n')) {
      const value = Number(line.split(' ').pop());
      for (const [key, prefix] of names) if (line.startsWith(prefix)) sums[key] += value;
    }
  }
  return sums;
}

function pairwiseKeys(): Map<string, string> {
  const link = new Map<string, string>();
  const key = (a: string, b: string) => {
    const name = [a, b].sort().join(' ');
    if (!link.has(name)) link.set(name, randomBytes(32).toString('base64'));
    return link.get(name)!;
  };
  return new Map(
    REGIONS.map((region) => [
      region,
      REGIONS.filter((peer) => peer !== region)
        .map((peer) => `${peer}=${key(region, peer)}`)
        .join(','),
    ]),
  );
}

function buildGeode(progress: Progress): void {
  progress.note('building geode (nest build geode)');
  const built = spawnSync(
    process.execPath,
    [join(ROOT, 'node_modules', '@nestjs', 'cli', 'bin', 'nest.js'), 'build', 'geode'],
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' },
  );
  if (built.status !== 0) throw new Error(`nest build geode failed: ${built.stderr}`);
}

/** A right-aligned column of a figure in ms that only some rows carry. */
function milliseconds(header: string, field: string): Column<BenchRow> {
  return {
    header,
    align: 'right',
    value: (row) => formatFixed(row[field] as number | undefined, 2),
  };
}

function resultsTable(rows: readonly BenchRow[]): string {
  const columns: Column<BenchRow>[] = [
    { header: 'case', value: (row) => row.case },
    { header: 'subject', value: (row) => row.subject },
    { header: 'ev/s', align: 'right', value: (row) => formatCount(row.eventsPerSec) },
    { header: 'lag p50 ms', align: 'right', value: (row) => formatFixed(row.p50Ms, 2) },
    { header: 'lag p99 ms', align: 'right', value: (row) => formatFixed(row.p99Ms, 2) },
    milliseconds('ship p50', 'shippingP50Ms'),
    milliseconds('ship p99', 'shippingP99Ms'),
    milliseconds('stamp mean', 'stampMeanMs'),
    milliseconds('recv mean', 'receiveMeanMs'),
    milliseconds('wait mean', 'applyWaitMeanMs'),
    milliseconds('apply mean', 'applyMeanMs'),
    { header: 'bytes/event', align: 'right', value: (row) => formatFixed(row.bytesPerEvent, 1) },
    {
      header: 'entries',
      align: 'right',
      value: (row) => formatCount(row.entries as number | undefined),
    },
  ];
  return renderTable(columns, rows);
}
