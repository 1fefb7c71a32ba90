import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GeodeDirectory } from '../proxy/geode-upstream';
import type { RouterMetrics } from '../metrics/router-metrics';
import type { ResidencyCache } from '../routing/residency-cache';
import { sendProblem } from './problem-response';

/** Paths the router answers itself; everything else belongs to the geodes. */
export const ROUTER_PATHS = new Set(['/health', '/route', '/router/status', '/metrics']);

/**
 * Paths the router never forwards: peer-to-peer replication goes from geode
 * to geode directly (mutually authenticated), never through the public edge.
 */
export function isNeverProxied(path: string): boolean {
  return path === '/replication' || path.startsWith('/replication/') || path.startsWith('/router/');
}

export interface EndpointContext {
  geodes: GeodeDirectory;
  residency: ResidencyCache;
  metrics: RouterMetrics;
  /** Geode regions for this client, closest first. */
  order: readonly string[];
}

/** `GET /health`, `/route`, `/router/status`, `/metrics`. */
export async function answerRouterPath(
  path: string,
  req: IncomingMessage,
  res: ServerResponse,
  context: EndpointContext,
): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    return sendProblem(res, 405, 'method-not-allowed', `${path} answers GET and HEAD only`);
  }
  const { geodes, residency, metrics, order } = context;
  switch (path) {
    case '/health': {
      const routable = geodes.all.filter((upstream) => upstream.health.routable);
      if (routable.length === 0)
        return sendProblem(res, 503, 'no-routable-geode', 'no geode is available');
      return sendJson(res, 200, {
        status: 'ok',
        routable: routable.map((upstream) => upstream.region),
      });
    }
    case '/route': {
      const account = new URL(req.url ?? '/', 'http://router').searchParams.get('account');
      const allowed = account === null ? undefined : residency.allowedRegions(account);
      const [chosen, ...alternatives] = geodes.candidates(order, allowed);
      if (chosen === undefined)
        return allowed === undefined
          ? sendProblem(res, 503, 'no-routable-geode', 'no geode is available')
          : sendProblem(
              res,
              503,
              'no-allowed-region',
              'no geode allowed to serve this account is available',
              {
                allowedRegions: allowed,
              },
            );
      return sendJson(res, 200, {
        region: chosen.region,
        endpoint: chosen.url,
        alternatives: alternatives.map((upstream) => ({
          region: upstream.region,
          endpoint: upstream.url,
        })),
      });
    }
    case '/router/status':
      return sendJson(res, 200, {
        geodes: geodes.all.map((upstream) => {
          const health = upstream.health.snapshot();
          return {
            region: upstream.region,
            url: upstream.url,
            state: health.state,
            lagging: upstream.health.lagging,
            rttMs: health.rttMs,
            lagMs: health.lagMs,
            consecutiveFailures: health.consecutiveFailures,
            lastCheckAt:
              health.lastCheckAtMs === null ? null : new Date(health.lastCheckAtMs).toISOString(),
            lastError: health.lastError,
          };
        }),
        residencyCacheEntries: residency.size,
      });
    case '/metrics': {
      const text = await metrics.registry.metrics();
      res.writeHead(200, {
        'content-type': metrics.registry.contentType,
        'cache-control': 'no-store',
      });
      res.end(req.method === 'HEAD' ? undefined : text);
      return;
    }
    default:
      return sendProblem(res, 404, 'not-found', `${path} is not a router path`);
  }
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
