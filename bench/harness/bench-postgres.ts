import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Client } from 'pg';
import { checkReachable, EmbeddedPostgresServer, redactedUrl } from '@geode/database';
import type { Progress } from './progress';

/**
 * The PostgreSQL a benchmark run uses: the server in `DATABASE_URL`, or an
 * embedded one started for the run with real fsync (a benchmark of a store
 * on a database that does not flush would flatter everybody). Every database
 * the run creates is dropped at the end; an embedded cluster is deleted.
 */
export class BenchPostgres {
  private readonly databases: string[] = [];
  private closed = false;

  private constructor(
    /** Names every database of this run: `geode_bench_<runId>_…`. */
    readonly runId: string,
    private readonly adminUrl: string,
    private readonly progress: Progress,
    private readonly embedded?: { server: EmbeddedPostgresServer; dataDir: string },
  ) {}

  /** `databaseUrl` unset: an embedded cluster under `./data/bench-<runId>`. */
  static async open(options: { databaseUrl?: string; progress: Progress }): Promise<BenchPostgres> {
    const runId = randomBytes(4).toString('hex');
    const { progress } = options;
    if (options.databaseUrl) {
      await checkReachable(options.databaseUrl);
      progress.note(`PostgreSQL: ${redactedUrl(options.databaseUrl)} (DATABASE_URL)`);
      return new BenchPostgres(runId, options.databaseUrl, progress);
    }
    const dataDir = resolve('data', `bench-${runId}`);
    progress.note(`PostgreSQL: starting an embedded server in ${dataDir} (durability: safe)`);
    let server: EmbeddedPostgresServer;
    try {
      server = await EmbeddedPostgresServer.start({
        dataDir,
        database: 'postgres',
        durability: 'safe',
      });
    } catch (error) {
      await rm(dataDir, { recursive: true, force: true });
      throw error;
    }
    return new BenchPostgres(runId, server.url, progress, { server, dataDir });
  }

  get description(): string {
    return this.embedded ? 'embedded (fsync on)' : redactedUrl(this.adminUrl);
  }

  /** Creates `geode_bench_<runId>_<suffix>` and returns its URL. */
  async createDatabase(suffix: string): Promise<string> {
    const name = `geode_bench_${this.runId}_${suffix}`;
    await this.withAdmin(async (client) => {
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
    });
    this.databases.push(name);
    return this.urlOf(name);
  }

  async serverVersion(): Promise<string> {
    return this.withAdmin(async (client) => {
      const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
      // "15.20 (Debian 15.20-0+deb12u1)" → "15.20"
      return rows[0].server_version.split(' ')[0];
    });
  }

  /**
   * Flushes dirty buffers so that the next subject does not pay for the
   * previous one's writes. Needs superuser or pg_checkpoint; returns false
   * when refused.
   */
  async checkpoint(): Promise<boolean> {
    try {
      await this.withAdmin((client) => client.query('CHECKPOINT'));
      return true;
    } catch {
      return false;
    }
  }

  /** Drops the run's databases (or stops and deletes the embedded cluster). Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.embedded) {
      await this.embedded.server.stop().catch(() => undefined);
      await rm(this.embedded.dataDir, { recursive: true, force: true });
      this.progress.note(`removed the embedded cluster ${this.embedded.dataDir}`);
      return;
    }
    await this.withAdmin(async (client) => {
      for (const name of this.databases.splice(0)) {
        await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`);
      }
    }).catch((error: unknown) =>
      this.progress.warn(`could not drop the bench databases: ${String(error)}`),
    );
  }

  private urlOf(database: string): string {
    const url = new URL(this.adminUrl);
    url.pathname = `/${encodeURIComponent(database)}`;
    return url.toString();
  }

  private async withAdmin<T>(work: (client: Client) => Promise<T>): Promise<T> {
    const client = new Client({ connectionString: this.adminUrl });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}
