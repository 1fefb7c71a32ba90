import { Client } from 'undici';
import type { WallClock } from '@geode/clock';
import type { Logger } from 'pino';
import type { HealthSettings } from '../config/router-config';
import type { GeodeUpstream } from '../proxy/geode-upstream';
import { readHealthAnswer } from './health-answer';

const MAX_HEALTH_BODY_BYTES = 64 * 1024;

/**
 * Active health checks: `GET /health` on every geode each `intervalMs`, with
 * a timeout, over a connection of its own (so a pool saturated by traffic
 * cannot make a healthy geode look dead). Results feed each geode's
 * `GeodeHealth`, which applies the hysteresis.
 */
export class HealthMonitor {
  private readonly probes: Map<GeodeUpstream, Client>;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly upstreams: readonly GeodeUpstream[],
    private readonly settings: HealthSettings,
    private readonly clock: WallClock,
    private readonly logger: Logger,
    caPem?: string,
  ) {
    this.probes = new Map(
      upstreams.map((upstream) => [
        upstream,
        new Client(upstream.url, {
          connectTimeout: settings.timeoutMs,
          headersTimeout: settings.timeoutMs,
          bodyTimeout: settings.timeoutMs,
          keepAliveTimeout: Math.max(settings.intervalMs * 2, 1_000),
          ...(caPem !== undefined && { connect: { ca: caPem } }),
        }),
      ]),
    );
  }

  /** Checks every geode once (start-up: decide before the first request), then keeps checking. */
  async start(): Promise<void> {
    await this.checkAll();
    this.schedule();
  }

  async checkAll(): Promise<void> {
    await Promise.all(this.upstreams.map((upstream) => this.check(upstream)));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await Promise.all([...this.probes.values()].map((client) => client.destroy()));
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.checkAll().finally(() => this.schedule());
    }, this.settings.intervalMs);
    this.timer.unref();
  }

  private async check(upstream: GeodeUpstream): Promise<void> {
    const started = performance.now();
    let result: { healthy: true; lagMs: number | null } | { healthy: false; error: string };
    try {
      const answer = await this.probes.get(upstream)!.request({
        path: '/health',
        method: 'GET',
        headers: { accept: 'application/json', 'user-agent': 'geode-router' },
        signal: AbortSignal.timeout(this.settings.timeoutMs),
      });
      const body = await readLimited(answer.body, MAX_HEALTH_BODY_BYTES);
      result = readHealthAnswer(answer.statusCode, body, upstream.region);
    } catch (error) {
      result = { healthy: false, error: describe(error) };
    }
    if (this.stopped) return;
    const at = this.clock.nowMs();
    const change = result.healthy
      ? upstream.health.checkSucceeded(at, performance.now() - started, result.lagMs)
      : upstream.health.checkFailed(at, result.error);
    if (change) {
      const log =
        change.to === 'up'
          ? this.logger.info.bind(this.logger)
          : this.logger.warn.bind(this.logger);
      log({ region: upstream.region, url: upstream.url, ...change }, `geode ${change.to}`);
    }
  }
}

async function readLimited(body: AsyncIterable<Buffer>, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > limit) throw new Error(`health answer longer than ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  if (error.name === 'TimeoutError' || error.name === 'AbortError') return 'health check timed out';
  return typeof code === 'string' ? `${code}: ${error.message}` : error.message;
}
