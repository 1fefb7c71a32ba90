import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { round, type BenchRow } from '../harness/bench-report';
import type { Benchmark, BenchmarkContext, BenchmarkResult } from '../harness/benchmark';
import type { Progress } from '../harness/progress';
import { formatCount, formatFixed, renderTable, type Column } from '../harness/table-printer';
import { ensureTools } from './bench-tools';
import { NginxProxy } from './nginx-proxy';
import { ServiceProcess } from './service-process';
import { runWrk, type WrkResult } from './wrk';
import { freePort } from '../harness/free-port';

/** The repository: this file runs as dist/bench/router/router.benchmark.js. */
const ROOT = join(__dirname, '..', '..', '..');
const GEODE_MAIN = join(ROOT, 'dist', 'apps', 'geode', 'src', 'main.js');
const ROUTER_MAIN = join(ROOT, 'dist', 'apps', 'router', 'src', 'main.js');

/** Keep-alive connections of the throughput runs; the latency runs use one. */
const CONNECTIONS = 16;
/**
 * Run sizes. The warm-up (per subject: `warmUpSeconds` at 16 connections, then 1 s at 1) lets V8
 * optimise the router's proxy path before anything is measured.
 */
const SIZES = {
  quick: { rounds: 2, loadSeconds: 3, serialSeconds: 2, warmUpSeconds: 2 },
  full: { rounds: 3, loadSeconds: 10, serialSeconds: 5, warmUpSeconds: 5 },
};

type Subject = 'geode' | 'router' | 'nginx';
const SUBJECTS: readonly Subject[] = ['geode', 'router', 'nginx'];
const CASE_OF: Record<Subject, string> = { geode: 'direct', router: 'proxied', nginx: 'proxied' };

/**
 * One geode read (`GET /v1/accounts/:id/events`, a real database read)
 * asked directly, through the router and through nginx, with wrk: subjects
 * interleaved round by round, each round at 16 connections (throughput,
 * latency under load) and at 1 connection (the latency a proxy adds).
 */
export const routerBenchmark: Benchmark = {
  name: 'router',
  summary: 'one geode read directly, through the router and through nginx (wrk, interleaved)',
  cases: ['direct', 'proxied'],
  subjects: SUBJECTS,
  run: runRouterBenchmark,
};

interface Measured {
  load: WrkResult[];
  serial: WrkResult[];
}

async function runRouterBenchmark(context: BenchmarkContext): Promise<BenchmarkResult> {
  const { progress, postgres, signal } = context;
  const sizes = context.quick ? SIZES.quick : SIZES.full;
  ensureTools(progress);
  buildApps(progress);

  const dir = await mkdtemp(join(tmpdir(), 'geode-bench-router-'));
  const running: { stop(): Promise<void> }[] = [];
  const failures: string[] = [];
  try {
    const databaseUrl = await postgres.createDatabase('router_geode');
    progress.note('starting a geode, the router and nginx');
    const geode = await ServiceProcess.start(
      'geode',
      GEODE_MAIN,
      ['--region', 'eu-west-1', '--port', '0'],
      {
        DATABASE_URL: databaseUrl,
      },
    );
    running.push(geode);
    const path = await preparedReadPath(geode.url);
    const configFile = join(dir, 'router.json');
    await writeFile(
      configFile,
      JSON.stringify({ geodes: [{ region: 'eu-west-1', url: geode.url }] }),
    );
    const router = await ServiceProcess.start('router', ROUTER_MAIN, ['--port', '0'], {
      ROUTER_CONFIG: configFile,
    });
    running.push(router);
    const nginx = await NginxProxy.start(dir, await freePort(), geode.url);
    running.push(nginx);
    const urls: Record<Subject, string> = {
      geode: geode.url,
      router: router.url,
      nginx: nginx.url,
    };

    for (const subject of SUBJECTS) {
      signal.throwIfAborted();
      progress.note(`warming up ${subject}`);
      await runWrk(`${urls[subject]}${path}`, CONNECTIONS, sizes.warmUpSeconds, signal);
      await runWrk(`${urls[subject]}${path}`, 1, 1, signal);
    }
    const measured = new Map<Subject, Measured>(
      SUBJECTS.map((subject) => [subject, { load: [], serial: [] }]),
    );
    let routerBusySeconds = 0;
    for (let roundIndex = 0; roundIndex < sizes.rounds; roundIndex++) {
      // Rotating the order spreads whatever one run leaves behind (autovacuum, caches) over all.
      for (const subject of rotated(SUBJECTS, roundIndex)) {
        signal.throwIfAborted();
        const url = `${urls[subject]}${path}`;
        const before = subject === 'router' ? await router.cpuSeconds() : undefined;
        const load = await runWrk(url, CONNECTIONS, sizes.loadSeconds, signal);
        if (before !== undefined)
          routerBusySeconds += ((await router.cpuSeconds()) ?? before) - before;
        const serial = await runWrk(url, 1, sizes.serialSeconds, signal);
        for (const result of [load, serial])
          if (result.failed > 0)
            failures.push(`${subject}: ${result.failed} of ${result.requests} requests failed`);
        measured.get(subject)!.load.push(load);
        measured.get(subject)!.serial.push(serial);
        progress.note(
          `round ${roundIndex + 1}/${sizes.rounds} · ${subject}: ${formatCount(load.requestsPerSec)} req/s at ${CONNECTIONS} connections ` +
            `(p50 ${load.p50Ms.toFixed(2)} ms), p50 ${serial.p50Ms.toFixed(3)} ms at 1`,
        );
      }
    }
    const routerRssMb = await router.peakRssMb();

    const rows: BenchRow[] = SUBJECTS.map((subject) => {
      const { load, serial } = measured.get(subject)!;
      return {
        case: CASE_OF[subject],
        subject,
        requestsPerSec: Math.round(median(load.map((result) => result.requestsPerSec))),
        p50Ms: round(median(load.map((result) => result.p50Ms)), 3),
        p99Ms: round(median(load.map((result) => result.p99Ms)), 3),
        p50MsOneConnection: round(median(serial.map((result) => result.p50Ms)), 3),
        p99MsOneConnection: round(median(serial.map((result) => result.p99Ms)), 3),
        ...(subject === 'router' && {
          peakRssMb: routerRssMb,
          // CPU of the router process while it carried the load runs, as % of one core.
          cpuPercent: round((routerBusySeconds / (sizes.rounds * sizes.loadSeconds)) * 100, 1),
        }),
      };
    });
    const row = (subject: Subject) => rows.find((candidate) => candidate.subject === subject)!;
    const targets = {
      routerAddedP50MsOneConnection: round(
        (row('router').p50MsOneConnection as number) - (row('geode').p50MsOneConnection as number),
        3,
      ),
      routerAddedP50MsLoaded: round(
        (row('router').p50Ms as number) - (row('geode').p50Ms as number),
        3,
      ),
      nginxAddedP50MsOneConnection: round(
        (row('nginx').p50MsOneConnection as number) - (row('geode').p50MsOneConnection as number),
        3,
      ),
      nginxAddedP50MsLoaded: round(
        (row('nginx').p50Ms as number) - (row('geode').p50Ms as number),
        3,
      ),
      routerOverNginxRequestsPerSec: round(
        row('router').requestsPerSec! / row('nginx').requestsPerSec!,
        3,
      ),
      routerOverDirectRequestsPerSec: round(
        row('router').requestsPerSec! / row('geode').requestsPerSec!,
        3,
      ),
    };
    // The p50 target holds at every concurrency level measured, not only the easy one.
    const verdicts = {
      addedP50AtMost1Ms:
        targets.routerAddedP50MsOneConnection <= 1 && targets.routerAddedP50MsLoaded <= 1,
      addedP50AtMost1MsOneConnection: targets.routerAddedP50MsOneConnection <= 1,
      addedP50AtMost1MsLoaded: targets.routerAddedP50MsLoaded <= 1,
      atLeastHalfOfNginx: targets.routerOverNginxRequestsPerSec >= 0.5,
    };
    return {
      rows,
      extra: {
        endpoint: 'GET /v1/accounts/:id/events',
        connections: CONNECTIONS,
        concurrencyLevels: [CONNECTIONS, 1],
        wrk: { threads: 1, headers: ['CF-IPCountry: DE'] },
        sizes,
        targets,
        verdicts,
      },
      tables: [resultsTable(rows), targetsTable(targets, verdicts)],
      failures,
    };
  } finally {
    for (const service of running.reverse()) await service.stop().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Builds the two apps measured, so that the figures are for the sources at
 * hand. A build that fails (another change in progress elsewhere) falls back
 * to what `dist/` holds, with a warning.
 */
function buildApps(progress: Progress): void {
  for (const [app, main] of [
    ['geode', GEODE_MAIN],
    ['router', ROUTER_MAIN],
  ] as const) {
    progress.note(`building ${app} (nest build ${app})`);
    const built = spawnSync(
      process.execPath,
      [join(ROOT, 'node_modules', '@nestjs', 'cli', 'bin', 'nest.js'), 'build', app],
      {
        cwd: ROOT,
        stdio: ['ignore', 'ignore', 'pipe'],
        encoding: 'utf8',
      },
    );
    if (built.status === 0) continue;
    const reason =
      built.error?.message ?? built.stderr?.trim().split('\n')[0] ?? `exit ${built.status}`;
    if (!existsSync(main))
      throw new Error(`nest build ${app} failed and ${main} is missing: ${reason}`);
    progress.warn(`nest build ${app} failed (${reason}); measuring the existing ${main}`);
  }
}

/** Opens an account with a deposit and returns the path of its stream: a cheap, real read. */
async function preparedReadPath(geodeUrl: string): Promise<string> {
  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${geodeUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (response.status !== 201)
      throw new Error(`POST ${path} answered ${response.status}: ${await response.text()}`);
    return (await response.json()) as { accountId: string };
  };
  const { accountId } = await post('/v1/accounts', { owner: { name: 'Bench' }, currency: 'EUR' });
  await post(`/v1/accounts/${accountId}/deposits`, { amount: '1000' });
  return `/v1/accounts/${accountId}/events`;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function rotated<T>(values: readonly T[], by: number): T[] {
  const shift = by % values.length;
  return [...values.slice(shift), ...values.slice(0, shift)];
}

function resultsTable(rows: readonly BenchRow[]): string {
  const columns: Column<BenchRow>[] = [
    { header: 'case', value: (row) => row.case },
    { header: 'subject', value: (row) => row.subject },
    {
      header: `req/s (${CONNECTIONS} conn)`,
      align: 'right',
      value: (row) => formatCount(row.requestsPerSec),
    },
    { header: 'p50 ms', align: 'right', value: (row) => formatFixed(row.p50Ms, 2) },
    { header: 'p99 ms', align: 'right', value: (row) => formatFixed(row.p99Ms, 2) },
    {
      header: 'p50 ms (1 conn)',
      align: 'right',
      value: (row) => formatFixed(row.p50MsOneConnection as number, 3),
    },
    {
      header: 'p99 ms (1 conn)',
      align: 'right',
      value: (row) => formatFixed(row.p99MsOneConnection as number, 3),
    },
    { header: 'peak RSS MB', align: 'right', value: (row) => formatCount(row.peakRssMb) },
    { header: 'CPU %', align: 'right', value: (row) => formatFixed(row.cpuPercent, 1) },
  ];
  return renderTable(columns, rows);
}

function targetsTable(targets: Record<string, number>, verdicts: Record<string, boolean>): string {
  const lines = [
    {
      figure: 'router adds at p50, 1 connection (target ≤ 1 ms)',
      value: `${targets.routerAddedP50MsOneConnection.toFixed(3)} ms`,
      met: verdicts.addedP50AtMost1MsOneConnection,
    },
    {
      figure: `router adds at p50, ${CONNECTIONS} connections (target ≤ 1 ms)`,
      value: `${targets.routerAddedP50MsLoaded.toFixed(3)} ms`,
      met: verdicts.addedP50AtMost1MsLoaded,
    },
    {
      figure: 'nginx adds at p50, 1 connection',
      value: `${targets.nginxAddedP50MsOneConnection.toFixed(3)} ms`,
    },
    {
      figure: `nginx adds at p50, ${CONNECTIONS} connections`,
      value: `${targets.nginxAddedP50MsLoaded.toFixed(3)} ms`,
    },
    {
      figure: 'router / nginx req/s (target ≥ 0.5)',
      value: targets.routerOverNginxRequestsPerSec.toFixed(3),
      met: verdicts.atLeastHalfOfNginx,
    },
    { figure: 'router / direct req/s', value: targets.routerOverDirectRequestsPerSec.toFixed(3) },
  ];
  return renderTable(
    [
      { header: 'figure', value: (line) => line.figure },
      { header: 'value', align: 'right', value: (line) => line.value },
      { header: 'met', value: (line) => (line.met === undefined ? '' : line.met ? 'yes' : 'NO') },
    ],
    lines,
  );
}
