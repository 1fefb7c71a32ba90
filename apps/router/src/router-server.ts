import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { systemWallClock, type WallClock } from '@geode/clock';
import type { Logger } from 'pino';
import type { RouterSettings } from './config/router-config';
import { HealthMonitor } from './health/health-monitor';
import { rawProblemResponse, sendProblem } from './http/problem-response';
import { checkRequest, correlationIdOf, RefusedRequest } from './http/request-checks';
import { answerRouterPath, isNeverProxied, ROUTER_PATHS } from './http/router-endpoints';
import { ConsoleHandler, isConsolePath } from './console/console-handler';
import { RouterMetrics } from './metrics/router-metrics';
import { GeodeDirectory } from './proxy/geode-upstream';
import { ProxyHandler } from './proxy/proxy-handler';
import { clientRegionOf, InvalidClientRegionHeader } from './routing/client-region';
import { PreferenceTable } from './routing/preference-table';
import { InvalidRequestTarget, parseRequestTarget } from './routing/request-target';
import { ResidencyCache } from './routing/residency-cache';

/** Largest request head (request line and headers) accepted; larger ones get 431. */
const MAX_HEADER_BYTES = 16 * 1024;

export interface RouterOptions {
  settings: RouterSettings;
  /** CA of https:// geodes under a private CA (`upstream.caFile`). */
  upstreamCaPem?: string;
  /** The console's operator token, for the geodes' `/admin/v1/events/recent` (`console.operatorTokenFile`). */
  consoleOperatorToken?: string;
  logger: Logger;
  clock?: WallClock;
}

/**
 * The router: a plain Node HTTP server (ADR 0011: no framework on the proxy
 * path) with its geodes, their health checks, the residency cache and metrics.
 * `start()` checks every geode once, then listens.
 */
export class Router {
  readonly server: Server;
  readonly geodes: GeodeDirectory;
  readonly residency: ResidencyCache;
  readonly metrics: RouterMetrics;
  private readonly monitor: HealthMonitor;
  private readonly table: PreferenceTable;
  private readonly proxy: ProxyHandler;
  private readonly console: ConsoleHandler;

  constructor(private readonly options: RouterOptions) {
    const { settings, logger } = options;
    this.geodes = new GeodeDirectory(settings, options.upstreamCaPem);
    this.residency = new ResidencyCache(settings.residencyCacheEntries);
    this.metrics = new RouterMetrics(this.geodes.all, () => this.residency.size);
    this.table = new PreferenceTable(settings);
    this.monitor = new HealthMonitor(
      this.geodes.all,
      settings.health,
      options.clock ?? systemWallClock,
      logger,
      options.upstreamCaPem,
    );
    this.proxy = new ProxyHandler(this.geodes, this.residency, this.metrics, settings, logger);
    this.console = new ConsoleHandler(
      this.geodes,
      settings.console?.worldControlUrl,
      options.consoleOperatorToken,
    );
    this.server = createServer(
      { maxHeaderSize: MAX_HEADER_BYTES, requireHostHeader: true, keepAliveTimeout: 65_000 },
      (req, res) => this.handle(req, res),
    );
    this.server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) =>
      refuseUnparsable(error, socket),
    );
    // Tunnels and protocol switches are refused outright: the geode API is plain request/response.
    this.server.on('connect', (_req: IncomingMessage, socket: Socket) =>
      socket.end(rawProblemResponse(405, 'method-not-allowed', 'CONNECT is not served')),
    );
    this.server.on('upgrade', (_req: IncomingMessage, socket: Socket) =>
      socket.end(
        rawProblemResponse(400, 'upgrade-not-supported', 'protocol upgrades are not served'),
      ),
    );
  }

  async start(port: number, host: string): Promise<string> {
    await this.monitor.start();
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const address = this.server.address();
    if (address === null || typeof address === 'string')
      throw new Error('the router is not on TCP');
    const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `http://${shown}:${address.port}`;
  }

  /** Stops taking connections, lets requests in flight finish, then closes the geode pools. */
  async close(): Promise<void> {
    await this.monitor.stop();
    await new Promise<void>((resolve) => {
      const sweep = setInterval(() => this.server.closeIdleConnections(), 50);
      this.server.close(() => {
        clearInterval(sweep);
        resolve();
      });
      this.server.closeIdleConnections();
    });
    await this.geodes.close();
  }

  /** Same, at once: open connections are cut. */
  async destroy(): Promise<void> {
    this.server.closeAllConnections();
    await this.close();
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const correlationId = correlationIdOf(req);
    try {
      checkRequest(req);
      const target = parseRequestTarget(req.url ?? '');
      const client = clientRegionOf(req.headers, this.options.settings.defaultClientRegion);
      const order = this.table.orderFor(client.key);
      if (isConsolePath(target.path)) {
        this.answeringItself(res, correlationId);
        void this.console
          .handle(target.path, req, res)
          .catch((error: unknown) => this.failed(error, res, correlationId));
        return;
      }
      if (ROUTER_PATHS.has(target.path)) {
        this.answeringItself(res, correlationId);
        void answerRouterPath(target.path, req, res, {
          geodes: this.geodes,
          residency: this.residency,
          metrics: this.metrics,
          order,
        }).catch((error: unknown) => this.failed(error, res, correlationId));
        return;
      }
      if (isNeverProxied(target.path)) {
        this.answeringItself(res, correlationId);
        return sendProblem(
          res,
          404,
          'not-found',
          `${target.path} is not served through the router`,
        );
      }
      this.proxy
        .proxy({ req, res, target, order, correlationId })
        .catch((error: unknown) => this.failed(error, res, correlationId));
    } catch (error) {
      this.failed(error, res, correlationId);
    }
  }

  /**
   * The router answers this request itself. (Proxied answers carry the
   * correlation id in the headers written with the geode's, not through
   * `setHeader`, which would send Node's `writeHead` down its slow path.)
   */
  private answeringItself(res: ServerResponse, correlationId: string): void {
    res.setHeader('x-correlation-id', correlationId);
    res.once('finish', () => this.metrics.answered('none', res.statusCode));
  }

  private failed(error: unknown, res: ServerResponse, correlationId: string): void {
    if (!res.headersSent) this.answeringItself(res, correlationId);
    if (error instanceof RefusedRequest)
      return sendProblem(res, error.status, error.type, error.message);
    if (error instanceof InvalidRequestTarget)
      return sendProblem(res, 400, 'invalid-request-target', error.message);
    if (error instanceof InvalidClientRegionHeader)
      return sendProblem(res, 400, 'invalid-header', error.message);
    this.options.logger.error({ err: error, correlationId }, 'unexpected error in the router');
    sendProblem(
      res,
      500,
      'internal',
      `an unexpected error occurred (correlation id ${correlationId})`,
    );
  }
}

/** Node could not parse the request (bad syntax, head too large): answer with a problem, then close. */
function refuseUnparsable(error: NodeJS.ErrnoException, socket: Socket): void {
  if (!socket.writable || error.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
  socket.end(
    tooLarge
      ? rawProblemResponse(
          431,
          'headers-too-large',
          `request headers exceed ${MAX_HEADER_BYTES} bytes`,
        )
      : rawProblemResponse(400, 'malformed-request', 'the request is not valid HTTP/1.1'),
  );
}
