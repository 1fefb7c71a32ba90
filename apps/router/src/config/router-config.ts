import { z } from 'zod';

/** A configuration value a user got wrong; its message names the setting. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface GeodeEndpoint {
  region: string;
  /** Origin of the geode, e.g. `http://10.0.1.5:3000` (no path). */
  url: string;
}

export interface HealthSettings {
  intervalMs: number;
  timeoutMs: number;
  /** Consecutive failures (active or passive) that take a geode out of rotation. */
  failuresToDown: number;
  /** Consecutive successful checks that put it back. */
  successesToUp: number;
  /** A geode reporting more lag than this is ranked after the ones that do not. */
  maxLagMs: number;
}

export interface RouterSettings {
  geodes: GeodeEndpoint[];
  /** Country (`DE`) or client region (`eu`, `eu-west-1`) → geode regions, closest first. */
  preferences: Record<string, string[]>;
  /** Used when a request names no client region. */
  defaultClientRegion?: string;
  /** Order for clients whose country or region the table does not know; also the tail of every list. */
  fallback: string[];
  health: HealthSettings;
  session: { retryBudgetMs: number; retryWaitMs: number; maxAttempts: number };
  upstream: {
    connectionsPerGeode: number;
    connectTimeoutMs: number;
    headersTimeoutMs: number;
    bodyTimeoutMs: number;
    keepAliveTimeoutMs: number;
    /** PEM file of the CA that signed the geodes' certificates, for https:// geodes under a private CA. */
    caFile?: string;
  };
  /** Largest request body kept to resend on another geode; the geode API refuses more anyway. */
  maxReplayBodyBytes: number;
  residencyCacheEntries: number;
  /** Append to a caller's `X-Forwarded-For` (behind a trusted load balancer) instead of replacing it. */
  trustForwardedHeaders: boolean;
  /**
   * The operator console at `/console`; `worldControlUrl`: the local world's control API (its controls);
   * `operatorTokenFile`: a file holding the operator token the console reads `/admin/v1/events/recent` with (ADR 0014).
   */
  console?: { worldControlUrl?: string; operatorTokenFile?: string };
}

export interface RouterConfig extends RouterSettings {
  configFile: string;
  /** The text of `upstream.caFile`, read at start. */
  upstreamCaPem?: string;
  /** The token in `console.operatorTokenFile`, read at start. */
  consoleOperatorToken?: string;
  http: { host: string; port: number };
  logLevel: LogLevel;
  shutdownTimeoutMs: number;
}

/** Settings given on the command line; they win over the environment. */
export interface RouterFlags {
  config?: string;
  port?: string;
  host?: string;
}

const REGION = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const COUNTRY = /^[A-Z]{2}$/;

const regionId = z
  .string()
  .regex(REGION, 'must be a region id such as eu-west-1 (lowercase letters, digits, dashes)')
  .max(63, 'must be at most 63 characters');

const geodeUrl = z.string().refine(isOriginUrl, 'must be an http:// or https:// URL with no path');

const ms = (min: number, max: number, fallback: number) =>
  z
    .number({ error: 'must be a number of milliseconds' })
    .int('must be a whole number')
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`)
    .default(fallback);

const count = (min: number, max: number, fallback: number) =>
  z
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`)
    .default(fallback);

const settingsSchema = z
  .strictObject({
    geodes: z
      .array(z.strictObject({ region: regionId, url: geodeUrl }), {
        error: 'must be a list of { region, url }',
      })
      .min(1, 'must name at least one geode'),
    preferences: z
      .record(
        z.string().refine((key) => COUNTRY.test(key) || REGION.test(key), {
          error: 'keys must be a country code (DE) or a region id (eu, eu-west-1)',
        }),
        z.array(regionId).min(1, 'must list at least one region'),
      )
      .default({}),
    defaultClientRegion: z
      .string()
      .refine((key) => COUNTRY.test(key) || REGION.test(key), {
        error: 'must be a country code (DE) or a region id (eu-west-1)',
      })
      .optional(),
    fallback: z.array(regionId).optional(),
    health: z
      .strictObject({
        intervalMs: ms(50, 600_000, 2_000),
        timeoutMs: ms(10, 60_000, 1_000),
        failuresToDown: count(1, 100, 3),
        successesToUp: count(1, 100, 2),
        maxLagMs: ms(0, 86_400_000, 5_000),
      })
      .default({
        intervalMs: 2_000,
        timeoutMs: 1_000,
        failuresToDown: 3,
        successesToUp: 2,
        maxLagMs: 5_000,
      }),
    session: z
      .strictObject({
        retryBudgetMs: ms(0, 60_000, 3_000),
        retryWaitMs: ms(0, 10_000, 100),
        maxAttempts: count(1, 10, 3),
      })
      .default({ retryBudgetMs: 3_000, retryWaitMs: 100, maxAttempts: 3 }),
    upstream: z
      .strictObject({
        connectionsPerGeode: count(1, 10_000, 128),
        connectTimeoutMs: ms(10, 60_000, 2_000),
        headersTimeoutMs: ms(10, 600_000, 15_000),
        bodyTimeoutMs: ms(10, 600_000, 30_000),
        keepAliveTimeoutMs: ms(100, 600_000, 4_000),
        caFile: z.string().min(1, 'must name a PEM file').optional(),
      })
      .default({
        connectionsPerGeode: 128,
        connectTimeoutMs: 2_000,
        headersTimeoutMs: 15_000,
        bodyTimeoutMs: 30_000,
        keepAliveTimeoutMs: 4_000,
      }),
    maxReplayBodyBytes: count(0, 16 * 1024 * 1024, 64 * 1024),
    residencyCacheEntries: count(1, 10_000_000, 100_000),
    trustForwardedHeaders: z.boolean({ error: 'must be true or false' }).default(false),
    console: z
      .strictObject({
        worldControlUrl: geodeUrl.optional(),
        operatorTokenFile: z.string().min(1, 'must name a file').optional(),
      })
      .optional(),
  })
  .superRefine((settings, context) => {
    const known = new Set<string>();
    settings.geodes.forEach((geode, index) => {
      if (known.has(geode.region))
        context.addIssue({
          code: 'custom',
          path: ['geodes', index, 'region'],
          message: `names ${geode.region} a second time (one URL per region)`,
        });
      known.add(geode.region);
    });
    const checkRegions = (regions: readonly string[], path: (string | number)[]) =>
      regions.forEach((region, index) => {
        if (!known.has(region))
          context.addIssue({
            code: 'custom',
            path: [...path, index],
            message: `names ${region}, which is not among the geodes`,
          });
      });
    for (const [key, regions] of Object.entries(settings.preferences))
      checkRegions(regions, ['preferences', key]);
    if (settings.fallback) checkRegions(settings.fallback, ['fallback']);
  });

/**
 * Validates the parsed JSON of a router configuration file. Throws a
 * `ConfigError` whose one line names the first wrong setting.
 */
export function parseRouterSettings(json: unknown, source = 'configuration'): RouterSettings {
  const parsed = settingsSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue.path.map((part, index) =>
      typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`,
    );
    const where = path.length ? path.join('') : 'the file';
    const given = valueAt(json, issue.path);
    const shown =
      given === undefined || typeof given === 'object' ? '' : ` (got ${JSON.stringify(given)})`;
    throw new ConfigError(`${source}: ${where} ${issue.message}${shown}`);
  }
  const settings = parsed.data;
  const regions = settings.geodes.map((geode) => geode.region);
  return {
    ...settings,
    geodes: settings.geodes.map((geode) => ({ ...geode, url: new URL(geode.url).origin })),
    // Every geode appears in the fallback: the ones the file leaves out follow in file order.
    fallback: uniqueInOrder([...(settings.fallback ?? []), ...regions]),
  };
}

const environmentSchema = z.object({
  ROUTER_CONFIG: z
    .string({ error: 'is required (path of the JSON file; or pass --config)' })
    .min(1),
  ROUTER_HOST: z.string().min(1, 'must not be empty').default('127.0.0.1'),
  ROUTER_PORT: z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().max(65535, 'must be at most 65535'))
    .default(8080),
  ROUTER_SHUTDOWN_TIMEOUT_MS: z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().min(100, 'must be at least 100').max(600_000, 'must be at most 600000'))
    .default(10_000),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      error: 'must be one of fatal, error, warn, info, debug, trace, silent',
    })
    .default('info'),
});

/**
 * The whole configuration, read once at start: the environment (and flags)
 * say where the JSON file is and how to listen; the file says where the
 * geodes are and how to route. The only place that reads `process.env`.
 */
export function loadRouterConfig(
  env: NodeJS.ProcessEnv,
  flags: RouterFlags,
  readFile: (path: string) => string,
): RouterConfig {
  const merged = {
    ...env,
    ...(flags.config !== undefined && { ROUTER_CONFIG: flags.config }),
    ...(flags.port !== undefined && { ROUTER_PORT: flags.port }),
    ...(flags.host !== undefined && { ROUTER_HOST: flags.host }),
  };
  const parsed = environmentSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = String(issue.path[0] ?? 'configuration');
    const given = merged[variable as keyof typeof merged];
    throw new ConfigError(
      `${variable} ${issue.message}${given === undefined ? '' : ` (got ${JSON.stringify(given)})`}`,
    );
  }
  const values = parsed.data;
  let text: string;
  try {
    text = readFile(values.ROUTER_CONFIG);
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new ConfigError(
      `cannot read the configuration file ${values.ROUTER_CONFIG}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`,
      { cause: error },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(
      `${values.ROUTER_CONFIG} is not valid JSON: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const settings = parseRouterSettings(json, values.ROUTER_CONFIG);
  const caFile = settings.upstream.caFile;
  let upstreamCaPem: string | undefined;
  if (caFile !== undefined) {
    try {
      upstreamCaPem = readFile(caFile);
    } catch (error) {
      throw new ConfigError(
        `${values.ROUTER_CONFIG}: upstream.caFile cannot be read (${caFile}): ${(error as Error).message}`,
        { cause: error },
      );
    }
    if (!upstreamCaPem.includes('-----BEGIN CERTIFICATE-----'))
      throw new ConfigError(
        `${values.ROUTER_CONFIG}: upstream.caFile ${caFile} holds no PEM certificate`,
      );
  }
  const tokenFile = settings.console?.operatorTokenFile;
  let consoleOperatorToken: string | undefined;
  if (tokenFile !== undefined) {
    try {
      consoleOperatorToken = readFile(tokenFile).trim();
    } catch (error) {
      throw new ConfigError(
        `${values.ROUTER_CONFIG}: console.operatorTokenFile cannot be read (${tokenFile}): ${(error as Error).message}`,
        { cause: error },
      );
    }
    // Never echo the file: it is a secret.
    if (!/^[A-Za-z0-9\-._~+/]+=*$/.test(consoleOperatorToken))
      throw new ConfigError(
        `${values.ROUTER_CONFIG}: console.operatorTokenFile ${tokenFile} does not hold one operator token`,
      );
  }
  return {
    ...settings,
    upstreamCaPem,
    consoleOperatorToken,
    configFile: values.ROUTER_CONFIG,
    http: { host: values.ROUTER_HOST, port: values.ROUTER_PORT },
    logLevel: values.LOG_LEVEL,
    shutdownTimeoutMs: values.ROUTER_SHUTDOWN_TIMEOUT_MS,
  };
}

function isOriginUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (
      (url.protocol === 'http:' || url.protocol === 'https:') &&
      url.hostname !== '' &&
      url.username === '' &&
      url.password === '' &&
      (url.pathname === '/' || url.pathname === '') &&
      url.search === '' &&
      url.hash === ''
    );
  } catch {
    return false;
  }
}

function valueAt(json: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = json;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function uniqueInOrder(values: readonly string[]): string[] {
  return [...new Set(values)];
}
