import { join } from 'node:path';
import { Client, Pool } from 'pg';
import type { DataSource } from 'typeorm';
import { HybridLogicalClock, systemWallClock } from '@geode/clock';
import { createGeodeDataSource, runMigrations } from '@geode/database';
import {
  eventStoreMigrations,
  PostgresEventStore,
  type NewEvent,
  type StoredEvent,
} from '@geode/event-store';
import {
  EVENT_COLUMNS,
  EVENTS_WITH_ORIGIN,
  type EventRow,
  toStoredEvent,
} from '../../libs/event-store/src/postgres/event-rows';
import {
  DEFAULT_REBUILD_BATCH_SIZE,
  ProjectionPlatform,
  projectionMigrations,
  type Projection,
} from '@geode/projections';
import { GEODE_NODE_FLAGS } from '../../apps/geode/src/projections/geode-node-flags';
import { LedgerProjection } from '../../apps/geode/src/read-models/ledger-projection';
import { LatencyRecorder } from '../harness/latency-recorder';
import { PeakRssSampler } from '../harness/peak-rss-sampler';
import { serveWorkerRequests } from '../harness/worker-process';
import { ServiceProcess } from '../router/service-process';
import { ledgerChunk } from './ledger-log';
import { freePort } from '../harness/free-port';
import type {
  LiveReport,
  LoadReport,
  ProjectionsWorkerRequest,
  ProjectionsWorkerResponse,
  RebuildReport,
} from './projections-protocol';

const REGION = 'eu-west-1';
/** The geode as built by `nest build geode` (the benchmark builds it first). */
const GEODE_MAIN = join(__dirname, '..', '..', 'apps', 'geode', 'src', 'main.js');
/** The ceiling reads pages of the size the platform's rebuild reads. */
const REBUILD_BATCH = DEFAULT_REBUILD_BATCH_SIZE;
const CEILING_SCHEMA = 'ledger_ceiling';

serveWorkerRequests<ProjectionsWorkerRequest, ProjectionsWorkerResponse>(
  async (request) => {
    switch (request.kind) {
      case 'load':
        return load(request.url, request.events);
      case 'rebuild':
        return request.subject === 'geode'
          ? rebuildWithGeode(request.url)
          : rebuildCeiling(request.url);
      case 'live':
        return live(request.url, request.ratePerSec, request.warmupMs, request.measureMs);
      default: {
        const unknown: never = request;
        throw new Error(`unknown request ${JSON.stringify(unknown)}`);
      }
    }
  },
  // Every request closes what it opened.
  () => Promise.resolve(),
);

async function openDataSource(url: string, poolSize = 6): Promise<DataSource> {
  const dataSource = createGeodeDataSource({
    url,
    migrations: [...eventStoreMigrations, ...projectionMigrations],
    poolSize,
    applicationName: 'geode-bench-projections',
  });
  await dataSource.initialize();
  return dataSource;
}

function openStore(url: string): Promise<PostgresEventStore> {
  return PostgresEventStore.create({
    url,
    region: REGION,
    clock: new HybridLogicalClock(systemWallClock),
    poolSize: 10,
  });
}

/** Appends about `target` ledger events (8 appends in flight), then refreshes statistics. */
async function load(url: string, target: number): Promise<LoadReport> {
  const dataSource = await openDataSource(url, 2);
  try {
    await runMigrations(dataSource);
  } finally {
    await dataSource.destroy();
  }
  const store = await openStore(url);
  const started = performance.now();
  let events = 0;
  try {
    while (events < target) {
      const accounts = Math.max(2, Math.min(1_000, Math.ceil((target - events) / 50)));
      const chunk = ledgerChunk(accounts, Date.UTC(2026, 10, 1) + events);
      await inParallel(chunk.appends, 8, (append) =>
        store.append(append.streamId, append.events, append.options),
      );
      await inParallel(chunk.transfers, 8, (transfer) => store.appendMany(transfer));
      events += chunk.events;
    }
  } finally {
    await store.close();
  }
  const seconds = (performance.now() - started) / 1000;
  // As autovacuum would have them on a live system: the log reader's plans depend on them.
  await withClient(url, (client) => client.query('ANALYZE geode_events, geode_origin_log'));
  return { events, seconds };
}

/**
 * The platform's rebuild in a geode as a user runs it: the built app (`dist/apps/geode`),
 * started with the geode's node flags, leads the projection. This worker only sets the
 * live checkpoint to the end of the log (so the live runner has nothing to do), asks for
 * the rebuild, waits for the swap and samples the geode process's RSS meanwhile.
 */
async function rebuildWithGeode(url: string): Promise<RebuildReport> {
  const dataSource = await openDataSource(url);
  const store = await openStore(url);
  const projection = new LedgerProjection() as Projection;
  const platform = await ProjectionPlatform.open({
    dataSource,
    url,
    store,
    projections: [projection],
  });
  let geode: ServiceProcess | undefined;
  try {
    // Ordered by the xid8 column, not by the text it is selected as ("9999" > "48684"): a
    // text order put the live runner mid-log, replaying beside the rebuild it should leave alone.
    const [end] = await dataSource.query<{ tx_id: string; position: string }[]>(
      `SELECT e.tx_id::text AS tx_id, e.position FROM geode_events e
        ORDER BY e.tx_id DESC, e.position DESC LIMIT 1`,
    );
    await platform.reset(projection.name, { txId: end.tx_id, position: Number(end.position) });
    geode = await ServiceProcess.start(
      'geode',
      GEODE_MAIN,
      ['--region', REGION, '--port', String(await freePort())],
      {
        DATABASE_URL: url,
        // GEODE_BENCH_NODE_OPTIONS: more for the geode, e.g. --cpu-prof to see where its time goes.
        NODE_OPTIONS: [...GEODE_NODE_FLAGS, process.env.GEODE_BENCH_NODE_OPTIONS ?? ''].join(' '),
      },
    );
    await until(
      async () => (await platform.get(projection.name)).active,
      60_000,
      'the geode takes the lease',
    );
    // The geode's other projections (the fork detector) start from the beginning of the log:
    // the rebuild is measured in a geode that has caught up, not beside their first replay.
    // Every loaded event is an account event, which they all follow, so they end at `end`.
    await until(
      async () => {
        const [{ behind }] = await dataSource.query<{ behind: number }[]>(
          `SELECT count(*)::int AS behind FROM geode_projections
            WHERE (tx_id, position) < ($1::xid8, $2::bigint)`,
          [end.tx_id, end.position],
        );
        return behind === 0;
      },
      900_000,
      "the geode's other projections catch up",
    );
    const sampler = PeakRssSampler.ofProcess(geode.pid);
    sampler.start();
    const started = performance.now();
    await platform.rebuild(projection.name);
    // Polls the rebuild's row alone: `platform.get` also counts the lag and reads the locks,
    // database work that would compete with the rebuild it measures.
    while (!(await rebuildEnded(dataSource, projection.name))) await sleep(250);
    const seconds = (performance.now() - started) / 1000;
    const peakRssMb = sampler.stop();
    const info = await platform.get(projection.name);
    if (info.rebuild?.phase !== 'done')
      throw new Error(`rebuild ended ${info.rebuild?.phase}: ${info.rebuild?.error}`);
    return {
      events: info.rebuild.done,
      seconds,
      peakRssMb,
      tables: await tableCounts(dataSource, projection.schema),
    };
  } finally {
    await geode?.stop();
    await platform.stop();
    await store.close();
    await dataSource.destroy();
  }
}

/**
 * The same work the most direct way: the same projection code, fed by plain keyset pages
 * of the log (no horizon, no checkpoint, no savepoints), the next page read while the
 * current one is applied, one transaction per page.
 */
async function rebuildCeiling(url: string): Promise<RebuildReport> {
  const dataSource = await openDataSource(url);
  const pool = new Pool({ connectionString: url, max: 2 });
  const projection = new LedgerProjection() as Projection;
  const runner = dataSource.createQueryRunner();
  const ctx = (schema: string) => ({
    manager: runner.manager,
    schema,
    table: (name: string) => `"${schema}"."${name}"`,
  });
  try {
    await runner.connect();
    await runner.query(`DROP SCHEMA IF EXISTS ${CEILING_SCHEMA} CASCADE`);
    await runner.query(`CREATE SCHEMA ${CEILING_SCHEMA}`);
    await projection.createTables(ctx(CEILING_SCHEMA));
    const sampler = new PeakRssSampler();
    sampler.start();
    const started = performance.now();
    const read = (txId: string, position: number) =>
      pool
        .query<EventRow>(
          `SELECT ${EVENT_COLUMNS} FROM ${EVENTS_WITH_ORIGIN}
            WHERE (e.tx_id, e.position) > ($1::xid8, $2::bigint) AND e.category = 'account'
            ORDER BY e.tx_id, e.position LIMIT $3`,
          [txId, position, REBUILD_BATCH],
        )
        .then(({ rows }) => ({
          page: rows.map(toStoredEvent),
          lastTx: rows.length ? rows[rows.length - 1].tx_id : '0',
        }));
    let events = 0;
    let next = read('0', 0);
    for (;;) {
      const { page, lastTx }: { page: StoredEvent[]; lastTx: string } = await next;
      if (page.length === 0) break;
      next = read(lastTx, page[page.length - 1].position);
      next.catch(() => undefined);
      await runner.startTransaction();
      await projection.apply(page, { ...ctx(CEILING_SCHEMA), mode: 'rebuild' });
      await runner.commitTransaction();
      events += page.length;
    }
    const seconds = (performance.now() - started) / 1000;
    const peakRssMb = sampler.stop();
    const tables = await tableCounts(dataSource, CEILING_SCHEMA);
    // Counted: dropped, so autovacuum does not work through a million rows during geode's turn.
    await runner.query(`DROP SCHEMA ${CEILING_SCHEMA} CASCADE`);
    return { events, seconds, peakRssMb, tables };
  } finally {
    await runner.release().catch(() => undefined);
    await pool.end();
    await dataSource.destroy();
  }
}

/**
 * Commit → visible lag of the live runner at a steady append rate: an event is visible
 * when the batch that applied it has committed (its notification arrived).
 */
async function live(
  url: string,
  ratePerSec: number,
  warmupMs: number,
  measureMs: number,
): Promise<LiveReport> {
  const dataSource = await openDataSource(url);
  const store = await openStore(url);
  const inner = new LedgerProjection() as Projection;
  let appliedNotCommitted: string[] = [];
  const handedAt = new Map<string, number>();
  const projection: Projection = {
    name: inner.name,
    version: inner.version,
    filter: inner.filter,
    schema: inner.schema,
    createTables: (ctx) => inner.createTables(ctx),
    apply: async (events, ctx) => {
      const handed = performance.now();
      if (ctx.mode === 'live') for (const event of events) handedAt.set(event.eventId, handed);
      await inner.apply(events, ctx);
      if (ctx.mode === 'live') for (const event of events) appliedNotCommitted.push(event.eventId);
    },
  };
  const platform = await ProjectionPlatform.start({
    dataSource,
    url,
    store,
    projections: [projection],
  });
  const visibleAt = new Map<string, number>();
  const listener = new Client({ connectionString: url });
  await listener.connect();
  listener.on('notification', (message) => {
    if (!message.payload?.startsWith(`applied|${projection.name}|`)) return;
    const now = performance.now();
    for (const id of appliedNotCommitted) visibleAt.set(id, now);
    appliedNotCommitted = [];
  });
  await listener.query('LISTEN geode_projection');
  try {
    // Accounts to deposit into, then let the runner catch up with everything loaded.
    const { appends } = ledgerChunk(1_000, Date.UTC(2026, 10, 2));
    const accounts = appends.map((append) => append.streamId);
    await inParallel(appends, 8, (append) =>
      store.append(append.streamId, [append.events[0]], append.options),
    );
    await until(
      async () => (await platform.get(projection.name)).lag.events === 0,
      120_000,
      'the live runner catches up',
    );

    const sampler = new PeakRssSampler();
    const committedAt = new Map<string, number>();
    const lags = new LatencyRecorder();
    const deliveries = new LatencyRecorder();
    let appended = 0;
    const inFlight = new Set<Promise<unknown>>();
    const started = performance.now();
    let measuring = false;
    const measuredIds: string[] = [];
    while (performance.now() - started < warmupMs + measureMs) {
      const elapsed = performance.now() - started;
      if (!measuring && elapsed >= warmupMs) {
        measuring = true;
        sampler.start();
      }
      const due = Math.floor((elapsed / 1000) * ratePerSec) - appended;
      for (let i = 0; i < due; i++) {
        const streamId = accounts[appended % accounts.length];
        const deposit: NewEvent = {
          eventId: crypto.randomUUID(),
          type: 'ledger.FundsDeposited',
          schemaVersion: 1,
          data: {
            accountId: streamId.slice('account-'.length),
            amount: '100',
            at: new Date().toISOString(),
          },
          metadata: { principal: 'bench-live' },
        };
        appended += 1;
        if (measuring) measuredIds.push(deposit.eventId);
        const append = store
          .append(streamId, [deposit], { expectedRevision: 'exists' })
          .then(() => committedAt.set(deposit.eventId, performance.now()))
          .finally(() => inFlight.delete(append));
        inFlight.add(append);
      }
      await sleep(2);
    }
    await Promise.all(inFlight);
    const waitUntil = performance.now() + 5_000;
    while (measuredIds.some((id) => !visibleAt.has(id)) && performance.now() < waitUntil)
      await sleep(20);
    const peakRssMb = sampler.stop();
    let unseen = 0;
    for (const id of measuredIds) {
      const visible = visibleAt.get(id);
      const committed = committedAt.get(id);
      if (visible === undefined || committed === undefined) unseen += 1;
      else {
        lags.record(Math.max(0, visible - committed));
        deliveries.record(Math.max(0, (handedAt.get(id) ?? visible) - committed));
      }
    }
    const summary = lags.summary();
    const delivery = deliveries.summary();
    return {
      appended,
      measured: measuredIds.length,
      ratePerSec: Math.round(measuredIds.length / (measureMs / 1000)),
      p50Ms: summary.p50Ms,
      p99Ms: summary.p99Ms,
      maxMs: summary.maxMs,
      deliveryP50Ms: delivery.p50Ms,
      deliveryP99Ms: delivery.p99Ms,
      peakRssMb,
      unseen,
    };
  } finally {
    await listener.end().catch(() => undefined);
    await platform.stop();
    await store.close();
    await dataSource.destroy();
  }
}

async function rebuildEnded(dataSource: DataSource, projection: string): Promise<boolean> {
  const [row] = await dataSource.query<{ phase: string }[]>(
    `SELECT phase FROM geode_projection_rebuilds WHERE projection = $1`,
    [projection],
  );
  return !row || row.phase === 'done' || row.phase === 'failed';
}

async function tableCounts(
  dataSource: DataSource,
  schema: string,
): Promise<Record<string, number>> {
  const tables = await dataSource.query<{ tablename: string }[]>(
    `SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY tablename`,
    [schema],
  );
  const counts: Record<string, number> = {};
  for (const { tablename } of tables) {
    const [{ n }] = await dataSource.query<{ n: string }[]>(
      `SELECT count(*) AS n FROM "${schema}"."${tablename}"`,
    );
    counts[tablename] = Number(n);
  }
  return counts;
}

async function inParallel<T>(
  items: readonly T[],
  width: number,
  work: (item: T) => Promise<unknown>,
) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

async function until(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`timed out: ${what}`);
    await sleep(50);
  }
}

async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
