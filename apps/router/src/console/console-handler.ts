import type { IncomingMessage, ServerResponse } from 'node:http';
import { request } from 'undici';
import type { GeodeDirectory, GeodeUpstream } from '../proxy/geode-upstream';
import { sendProblem } from '../http/problem-response';
import { CONSOLE_PAGE } from './console-page';

/** Each geode has this long to answer the console's reads; a slow region shows as unknown, not as a stall. */
const GEODE_READ_TIMEOUT_MS = 1_500;
const MAX_CONTROL_BODY_BYTES = 1_024;

/** `/console` and everything under it is the console's, never a geode's. */
export function isConsolePath(path: string): boolean {
  return path === '/console' || path.startsWith('/console/');
}

interface GeodeRead {
  status: number | null;
  body: unknown;
  error: string | null;
}

/**
 * The operator console (issue #9): one plain HTML page that polls
 * `/console/api/overview` (every geode's replication status, recent events
 * and conflicts, read by the router itself, so it works in any deployment)
 * and, in the local world, forwards its partition / heal / kill buttons to the
 * world control API named by `console.worldControlUrl`.
 */
export class ConsoleHandler {
  constructor(
    private readonly geodes: GeodeDirectory,
    private readonly worldControlUrl: string | undefined,
    /** Recent events are an operator read (ADR 0014); without a token that panel shows the 401/403. */
    private readonly operatorToken?: string,
  ) {}

  async handle(path: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (path === '/console' || path === '/console/') {
      if (!isRead(req)) return refuseMethod(res, path, 'GET, HEAD');
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        // Everything the page needs is inline; nothing else may load or frame it.
        'content-security-policy':
          "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'",
        'x-content-type-options': 'nosniff',
      });
      res.end(req.method === 'HEAD' ? undefined : CONSOLE_PAGE);
      return;
    }
    if (path === '/console/api/overview') {
      if (!isRead(req)) return refuseMethod(res, path, 'GET, HEAD');
      return sendJson(res, 200, await this.overview());
    }
    const control = /^\/console\/api\/world\/(partition|heal|regions\/[a-z0-9-]{1,63}\/kill)$/.exec(
      path,
    );
    if (control) {
      if (req.method !== 'POST') return refuseMethod(res, path, 'POST');
      return this.forwardControl(control[1], req, res);
    }
    return sendProblem(res, 404, 'not-found', `${path} is not a console path`);
  }

  private async overview(): Promise<unknown> {
    const [regions, world] = await Promise.all([
      Promise.all(this.geodes.all.map((upstream) => this.regionOverview(upstream))),
      this.worldSnapshot(),
    ]);
    return { at: new Date().toISOString(), regions, world };
  }

  private async regionOverview(upstream: GeodeUpstream) {
    const health = upstream.health.snapshot();
    const [replication, events, conflicts] = await Promise.all([
      readGeode(upstream, '/replication/v1/status'),
      readGeode(
        upstream,
        '/admin/v1/events/recent?limit=15',
        this.operatorToken === undefined ? {} : { authorization: `Bearer ${this.operatorToken}` },
      ),
      readGeode(upstream, '/v1/conflicts'),
    ]);
    return {
      region: upstream.region,
      url: upstream.url,
      state: health.state,
      routable: upstream.health.routable,
      rttMs: health.rttMs,
      lastError: health.lastError,
      replication: replication.status === 200 ? replication.body : null,
      recentEvents: events.status === 200 ? (events.body as { events: unknown[] }).events : null,
      conflicts: conflicts.status === 200 ? (conflicts.body as { items: unknown[] }).items : null,
      errors: [replication, events, conflicts]
        .map((read) => read.error)
        .filter((error): error is string => error !== null),
    };
  }

  private async worldSnapshot(): Promise<unknown> {
    if (this.worldControlUrl === undefined) return null;
    try {
      const answer = await request(`${this.worldControlUrl}/world`, {
        headersTimeout: GEODE_READ_TIMEOUT_MS,
        bodyTimeout: GEODE_READ_TIMEOUT_MS,
      });
      if (answer.statusCode !== 200) {
        await answer.body.dump();
        return { error: `the world control API answered ${answer.statusCode}` };
      }
      return await answer.body.json();
    } catch (error) {
      return { error: `the world control API did not answer: ${(error as Error).message}` };
    }
  }

  private async forwardControl(
    route: string,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    if (this.worldControlUrl === undefined)
      return sendProblem(
        res,
        404,
        'no-local-world',
        'this router is not part of a local world: partition, heal and kill are local-world controls',
      );
    // A JSON content type makes a cross-site form post impossible without a CORS preflight, which is never granted.
    if (!(req.headers['content-type'] ?? '').startsWith('application/json'))
      return sendProblem(res, 415, 'unsupported-media-type', 'send application/json');
    const body = await readBody(req);
    if (body === null)
      return sendProblem(
        res,
        413,
        'body-too-large',
        `control bodies are at most ${MAX_CONTROL_BODY_BYTES} bytes`,
      );
    try {
      const answer = await request(`${this.worldControlUrl}/world/${route}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: body.length ? body : '{}',
        headersTimeout: 5_000,
        bodyTimeout: 5_000,
      });
      const text = await answer.body.text();
      res.writeHead(answer.statusCode, {
        'content-type': String(answer.headers['content-type'] ?? 'application/json'),
        'cache-control': 'no-store',
      });
      res.end(text);
    } catch (error) {
      sendProblem(
        res,
        502,
        'world-unreachable',
        `the world control API did not answer: ${(error as Error).message}`,
      );
    }
  }
}

async function readGeode(
  upstream: GeodeUpstream,
  path: string,
  headers: Record<string, string> = {},
): Promise<GeodeRead> {
  try {
    const answer = await upstream.pool.request({
      method: 'GET',
      path,
      headers: { accept: 'application/json', ...headers },
      headersTimeout: GEODE_READ_TIMEOUT_MS,
      bodyTimeout: GEODE_READ_TIMEOUT_MS,
    });
    if (answer.statusCode !== 200) {
      await answer.body.dump();
      return { status: answer.statusCode, body: null, error: `${path}: ${answer.statusCode}` };
    }
    return { status: 200, body: await answer.body.json(), error: null };
  } catch (error) {
    return { status: null, body: null, error: `${path}: ${(error as Error).message}` };
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_CONTROL_BODY_BYTES) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function isRead(req: IncomingMessage): boolean {
  return req.method === 'GET' || req.method === 'HEAD';
}

function refuseMethod(res: ServerResponse, path: string, allow: string): void {
  res.setHeader('allow', allow);
  sendProblem(res, 405, 'method-not-allowed', `${path} answers ${allow} only`);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
