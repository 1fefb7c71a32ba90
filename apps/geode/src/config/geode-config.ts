import { z } from 'zod';
import { DatabaseTarget } from '@geode/database';
import { loadPeerAuthConfig, PeerAuthConfig, PeerAuthConfigError } from '@geode/peer-auth';
import {
  loadOperatorAuthConfig,
  OperatorAuthConfig,
  OperatorAuthConfigError,
} from '@geode/operator-auth';
import {
  loadReplicationConfig,
  ReplicationConfig,
  ReplicationConfigError,
} from '../replication/replication-config';

/** A configuration value a user got wrong; its message names the variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface GeodeConfig {
  region: string;
  http: { host: string; port: number };
  database: DatabaseTarget;
  /** `run`: apply pending migrations at start (under a lock); `check`: refuse to start if any are pending. */
  migrations: 'run' | 'check';
  logLevel: LogLevel;
  shutdownTimeoutMs: number;
  /** The longest a read presenting a `Geode-Session` token waits for this geode to cover it (GEODE_SESSION_WAIT_MS). */
  sessionWaitMs: number;
  /** Peers and link settings (GEODE_PEERS or GEODE_PEERS_FILE, GEODE_REPLICATION_*). */
  replication: ReplicationConfig;
  /** Who may call peer routes and how this geode proves itself to peers (GEODE_PEER_AUTH, GEODE_TLS_*, GEODE_PEER_KEYS; ADR 0009). */
  peerAuth: PeerAuthConfig;
  /** Operators allowed on `/admin/v1/…`, conflict resolution and home moves (GEODE_OPERATOR_TOKENS[_FILE]; ADR 0014). */
  operatorAuth: OperatorAuthConfig;
  /** The ledger's merge resolver (ADR 0012): GEODE_OVERDRAFT_FEE, GEODE_LEDGER_RESOLVER_VERSION. */
  ledgerMerges: LedgerMergeConfig;
}

export interface LedgerMergeConfig {
  /** Charged (minor units) by the merge that settles an overdraft; `null`: flag for review only. */
  overdraftFee: bigint | null;
  /** Recorded on every merge; raise it whenever the rules or the fee change. */
  resolverVersion: number;
}

/** Settings given on the command line; they win over the environment. */
export interface GeodeFlags {
  region?: string;
  port?: string;
  host?: string;
  /** `--refill-from <region>[,<region>…]` (wins over GEODE_REFILL_FROM). */
  refillFrom?: string;
}

export const REGION_PATTERN = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

const integer = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

const environmentSchema = z.object({
  GEODE_REGION: z
    .string({ error: 'is required (a region id such as eu-west-1; or pass --region)' })
    .regex(
      REGION_PATTERN,
      'must be a region id such as eu-west-1 (lowercase letters, digits, dashes)',
    )
    .max(63, 'must be at most 63 characters'),
  GEODE_HOST: z.string().min(1, 'must not be empty').default('127.0.0.1'),
  GEODE_PORT: integer(0, 65535).default(3000),
  GEODE_DATA_DIR: z.string().min(1, 'must not be empty').default('./data'),
  GEODE_MIGRATIONS: z.enum(['run', 'check'], { error: 'must be "run" or "check"' }).default('run'),
  GEODE_SHUTDOWN_TIMEOUT_MS: integer(100, 600_000).default(10_000),
  GEODE_SESSION_WAIT_MS: integer(0, 60_000).default(2_000),
  GEODE_PEERS: z.string().optional(),
  GEODE_PEERS_FILE: z.string().optional(),
  GEODE_REPLICATION_HEARTBEAT_MS: integer(50, 600_000).default(5_000),
  GEODE_REPLICATION_RETRY_MAX_MS: integer(100, 600_000).default(30_000),
  GEODE_REFILL_FROM: z.string().optional(),
  GEODE_SYNC_CATEGORIES: z.string().optional(),
  GEODE_SYNC_TIMEOUT_MS: integer(10, 600_000).default(5_000),
  GEODE_OVERDRAFT_FEE: z
    .string()
    .regex(/^[1-9]\d{0,17}$/, 'must be a whole number of minor units, at least 1 (e.g. 500)')
    .transform(BigInt)
    .optional(),
  GEODE_LEDGER_RESOLVER_VERSION: integer(1, 1_000_000).default(1),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      error: 'must be one of fatal, error, warn, info, debug, trace, silent',
    })
    .default('info'),
  DATABASE_URL: z
    .string()
    .refine(isPostgresUrl, 'must be a postgres:// or postgresql:// URL with a host')
    .optional(),
  PGHOST: z.string().optional(),
  PGPORT: integer(1, 65535).optional(),
  PGUSER: z.string().optional(),
  PGPASSWORD: z.string().optional(),
  PGDATABASE: z.string().optional(),
});

/**
 * Reads and validates the whole configuration once, at start. The only place
 * in the app that looks at the environment.
 */
export function loadGeodeConfig(env: NodeJS.ProcessEnv, flags: GeodeFlags = {}): GeodeConfig {
  const merged = {
    ...env,
    ...(flags.region !== undefined && { GEODE_REGION: flags.region }),
    ...(flags.port !== undefined && { GEODE_PORT: flags.port }),
    ...(flags.host !== undefined && { GEODE_HOST: flags.host }),
    ...(flags.refillFrom !== undefined && { GEODE_REFILL_FROM: flags.refillFrom }),
  };
  const parsed = environmentSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = String(issue.path[0] ?? 'configuration');
    const given = merged[variable as keyof typeof merged];
    const shown =
      given === undefined ? '' : ` (got ${JSON.stringify(redactIfUrl(variable, given))})`;
    throw new ConfigError(`${variable} ${issue.message}${shown}`);
  }
  const values = parsed.data;
  const replication = replicationConfig(values);
  return {
    region: values.GEODE_REGION,
    http: { host: values.GEODE_HOST, port: values.GEODE_PORT },
    database: databaseTarget(values),
    migrations: values.GEODE_MIGRATIONS,
    logLevel: values.LOG_LEVEL,
    shutdownTimeoutMs: values.GEODE_SHUTDOWN_TIMEOUT_MS,
    sessionWaitMs: values.GEODE_SESSION_WAIT_MS,
    replication,
    peerAuth: peerAuthConfig(merged, values.GEODE_REGION, replication),
    operatorAuth: operatorAuthConfig(merged),
    ledgerMerges: {
      overdraftFee: values.GEODE_OVERDRAFT_FEE ?? null,
      resolverVersion: values.GEODE_LEDGER_RESOLVER_VERSION,
    },
  };
}

type Environment = z.infer<typeof environmentSchema>;

function replicationConfig(values: Environment): ReplicationConfig {
  try {
    return loadReplicationConfig(
      {
        peers: values.GEODE_PEERS,
        peersFile: values.GEODE_PEERS_FILE,
        heartbeatMs: values.GEODE_REPLICATION_HEARTBEAT_MS,
        retryMaxMs: values.GEODE_REPLICATION_RETRY_MAX_MS,
        refillFrom: values.GEODE_REFILL_FROM,
        syncCategories: values.GEODE_SYNC_CATEGORIES,
        syncTimeoutMs: values.GEODE_SYNC_TIMEOUT_MS,
      },
      values.GEODE_REGION,
    );
  } catch (error) {
    if (!(error instanceof ReplicationConfigError)) throw error;
    throw new ConfigError(`${error.variable} ${error.message}`, { cause: error });
  }
}

/** Peer auth; the regions this geode replicates with are its callers unless GEODE_PEER_REGIONS says otherwise. */
function peerAuthConfig(
  env: NodeJS.ProcessEnv,
  region: string,
  replication: ReplicationConfig,
): PeerAuthConfig {
  try {
    return loadPeerAuthConfig(env, region, {
      defaultPeers: {
        regions: replication.peers.map((peer) => peer.region),
        variable: 'GEODE_PEERS',
      },
    });
  } catch (error) {
    if (!(error instanceof PeerAuthConfigError)) throw error;
    throw new ConfigError(error.message, { cause: error });
  }
}

function operatorAuthConfig(env: NodeJS.ProcessEnv): OperatorAuthConfig {
  try {
    return loadOperatorAuthConfig(env);
  } catch (error) {
    if (!(error instanceof OperatorAuthConfigError)) throw error;
    throw new ConfigError(error.message, { cause: error });
  }
}

function databaseTarget(values: Environment): DatabaseTarget {
  if (values.DATABASE_URL) return { kind: 'server', url: values.DATABASE_URL };
  const usesPgVariables = [values.PGHOST, values.PGPORT, values.PGUSER, values.PGDATABASE].some(
    (value) => value !== undefined && value !== '',
  );
  if (usesPgVariables) return { kind: 'server', url: urlFromPgVariables(values) };
  return { kind: 'embedded', dataDir: values.GEODE_DATA_DIR, name: `geode-${values.GEODE_REGION}` };
}

/** The standard libpq variables, as one URL (a socket directory goes in `?host=`). */
function urlFromPgVariables(values: Environment): string {
  const host = values.PGHOST || 'localhost';
  const user = values.PGUSER || 'postgres';
  const url = new URL('postgres://placeholder');
  url.username = encodeURIComponent(user);
  if (values.PGPASSWORD) url.password = encodeURIComponent(values.PGPASSWORD);
  url.pathname = `/${encodeURIComponent(values.PGDATABASE || user)}`;
  if (host.startsWith('/')) {
    url.hostname = 'localhost';
    url.searchParams.set('host', host);
  } else {
    url.hostname = host;
  }
  url.port = String(values.PGPORT ?? 5432);
  return url.toString();
}

function isPostgresUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'postgres:' || url.protocol === 'postgresql:') && url.hostname !== '';
  } catch {
    return false;
  }
}

function redactIfUrl(variable: string, value: string): string {
  if (variable === 'PGPASSWORD') return '***';
  if (variable !== 'DATABASE_URL') return value;
  try {
    const url = new URL(value);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return value.replace(/:[^:@/]*@/, ':***@');
  }
}
