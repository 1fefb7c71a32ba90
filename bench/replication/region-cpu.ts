import { readFile } from 'node:fs/promises';
import { Client } from 'pg';

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (100 on Linux). */
const TICKS_PER_SECOND = 100;

export interface SampledRegion {
  region: string;
  databaseUrl: string;
  /** The geode's process (its sequencer thread included: /proc/<pid>/stat counts every thread). */
  pid: number;
}

export interface RegionCpu {
  region: string;
  /** CPU of the geode process over the window, % of one core. */
  geodePercent: number;
  /** CPU of the PostgreSQL backends serving the region's database, % of one core. */
  postgresPercent: number;
  /** The most frequent wait events of the region's active backends, by application, in samples. */
  waits: Record<string, number>;
}

export interface CpuWindow {
  regions: RegionCpu[];
  /** PostgreSQL's own processes (WAL writer, checkpointer, …), shared by every region. */
  postgresSharedPercent: number;
  seconds: number;
}

/** Cumulative CPU of a process, in ticks; `undefined` once it is gone. */
async function cpuTicks(pid: number): Promise<number | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (fields.length < 13) return undefined;
  return Number(fields[11]) + Number(fields[12]);
}

/** Per process: ticks when first seen in the window (0 if it started inside it) and when last seen. */
class ProcessTicks {
  private readonly first = new Map<number, number>();
  private readonly last = new Map<number, number>();

  async sample(pids: Iterable<number>, atStart: boolean): Promise<void> {
    for (const pid of pids) {
      const ticks = await cpuTicks(pid);
      if (ticks === undefined) continue;
      if (!this.first.has(pid)) this.first.set(pid, atStart ? ticks : 0);
      this.last.set(pid, ticks);
    }
  }

  seconds(): number {
    let ticks = 0;
    for (const [pid, last] of this.last) ticks += last - (this.first.get(pid) ?? 0);
    return ticks / TICKS_PER_SECOND;
  }
}

interface ActivityRow {
  pid: number;
  mine: boolean;
  shared: boolean;
  application_name: string;
  state: string | null;
  wait: string | null;
}

/**
 * CPU per region over a window: the geode's process from /proc/<pid>/stat, and
 * the PostgreSQL backends of its database (pids from pg_stat_activity, sampled
 * every `intervalMs`, so a backend that ends inside the window loses at most
 * one interval). Also tallies what active backends wait on, per application,
 * to tell a wait for the pool or a lock from CPU.
 */
export class RegionCpuSampler {
  private readonly clients: Client[] = [];
  private readonly geodes: ProcessTicks[] = [];
  private readonly backends: ProcessTicks[] = [];
  private readonly shared = new ProcessTicks();
  private readonly waits: Map<string, number>[] = [];
  private timer?: NodeJS.Timeout;
  private sampling?: Promise<void>;
  private started = 0;

  private constructor(private readonly regions: SampledRegion[]) {}

  static async start(regions: SampledRegion[], intervalMs = 250): Promise<RegionCpuSampler> {
    const sampler = new RegionCpuSampler(regions);
    for (const region of regions) {
      const client = new Client({ connectionString: region.databaseUrl });
      await client.connect();
      sampler.clients.push(client);
      sampler.geodes.push(new ProcessTicks());
      sampler.backends.push(new ProcessTicks());
      sampler.waits.push(new Map());
    }
    sampler.started = performance.now();
    await sampler.sample(true);
    sampler.timer = setInterval(() => {
      sampler.sampling ??= sampler.sample(false).finally(() => (sampler.sampling = undefined));
    }, intervalMs);
    return sampler;
  }

  async stop(): Promise<CpuWindow> {
    clearInterval(this.timer);
    await this.sampling;
    await this.sample(false);
    const seconds = (performance.now() - this.started) / 1000;
    await Promise.all(this.clients.map((client) => client.end().catch(() => undefined)));
    const percent = (cpu: number) => Math.round((cpu / seconds) * 1000) / 10;
    return {
      seconds: Math.round(seconds * 100) / 100,
      postgresSharedPercent: percent(this.shared.seconds()),
      regions: this.regions.map((region, i) => ({
        region: region.region,
        geodePercent: percent(this.geodes[i].seconds()),
        postgresPercent: percent(this.backends[i].seconds()),
        waits: Object.fromEntries(
          [...this.waits[i].entries()].sort((a, b) => b[1] - a[1]).slice(0, 8),
        ),
      })),
    };
  }

  private async sample(atStart: boolean): Promise<void> {
    for (const [i, region] of this.regions.entries()) {
      await this.geodes[i].sample([region.pid], atStart);
      const { rows } = await this.clients[i].query<ActivityRow>(
        `SELECT pid, datname = current_database() AS mine, datname IS NULL AS shared,
                application_name, state,
                CASE WHEN wait_event IS NOT NULL THEN wait_event_type || ':' || wait_event END AS wait
           FROM pg_stat_activity WHERE pid <> pg_backend_pid()`,
      );
      const pids = (pick: (row: ActivityRow) => boolean) => rows.filter(pick).map((row) => row.pid);
      await this.backends[i].sample(
        pids((row) => row.mine),
        atStart,
      );
      // PostgreSQL's own processes once, from the first region's view.
      if (i === 0)
        await this.shared.sample(
          pids((row) => row.shared),
          atStart,
        );
      for (const row of rows) {
        if (!row.mine || row.state !== 'active') continue;
        const key = `${row.application_name || '?'} ${row.wait ?? 'CPU'}`;
        this.waits[i].set(key, (this.waits[i].get(key) ?? 0) + 1);
      }
    }
  }
}
