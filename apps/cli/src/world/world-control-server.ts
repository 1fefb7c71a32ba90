import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { CliError } from '../cli-error';
import type { LocalWorld } from './local-world';

const MAX_BODY_BYTES = 4_096;

const refillSchema = z.strictObject({ from: z.string().min(1).max(63) });

const partitionSchema = z.strictObject({
  regions: z.array(z.string().max(63)).min(1).max(2, 'names one region or a pair'),
});

/**
 * The world's control API, on loopback only: what `geode partition|heal|kill|status`
 * and the router's console call. JSON in and out; refusals are RFC 9457 problems.
 *
 *   GET  /world                      the snapshot: geodes, router, links
 *   POST /world/partition            { regions: [a] } every link of a; { regions: [a, b] } that pair
 *   POST /world/heal                 every link open again
 *   POST /world/regions/:region/kill the geode dies at once; its supervisor restarts it
 *   POST /world/regions/:region/refill { from } in the background: its geode is stopped, its data
 *                                    deleted, and it restarts refilling from its peers (GET /world: refills)
 */
export class WorldControlServer {
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(world: LocalWorld, port: number): Promise<WorldControlServer> {
    const server = createServer((req, res) => {
      answer(world, req, res).catch((error: unknown) => respondError(res, error));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) =>
        reject(
          error.code === 'EADDRINUSE'
            ? new CliError(
                `control port ${port} is in use (another world? pass --control-port)`,
                1,
                {
                  cause: error,
                },
              )
            : error,
        ),
      );
      server.listen(port, '127.0.0.1', resolve);
    });
    const address = server.address() as AddressInfo;
    return new WorldControlServer(server, `http://127.0.0.1:${address.port}`);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

async function answer(world: LocalWorld, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://world').pathname;
  const kill = /^\/world\/regions\/([^/]+)\/kill$/.exec(path);
  const refill = /^\/world\/regions\/([^/]+)\/refill$/.exec(path);
  if (req.method === 'GET' && path === '/world') return json(res, 200, world.snapshot());
  if (req.method !== 'POST')
    return problem(res, 404, 'not-found', `${req.method} ${path} is not a world control route`);
  const body = await readJson(req);
  if (path === '/world/partition') {
    const parsed = partitionSchema.safeParse(body);
    if (!parsed.success)
      return problem(res, 400, 'validation', `body: ${parsed.error.issues[0].message}`);
    const [a, b] = parsed.data.regions;
    return json(res, 200, { links: world.partition(a, b) });
  }
  if (path === '/world/heal') return json(res, 200, { links: world.heal() });
  if (kill) return json(res, 202, { geode: world.kill(decodeURIComponent(kill[1])) });
  if (refill) {
    const parsed = refillSchema.safeParse(body);
    if (!parsed.success)
      return problem(res, 400, 'validation', `from: ${parsed.error.issues[0].message}`);
    return json(res, 202, {
      refill: world.refill(decodeURIComponent(refill[1]), parsed.data.from),
    });
  }
  return problem(res, 404, 'not-found', `POST ${path} is not a world control route`);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new CliError('request body too large', 2);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new CliError('body is not valid JSON', 2, { cause: error });
  }
}

function respondError(res: ServerResponse, error: unknown): void {
  if (res.headersSent) return void res.destroy();
  if (error instanceof CliError)
    return problem(res, error.exitCode === 2 ? 400 : 409, 'world-refused', error.message);
  problem(res, 500, 'internal', (error as Error).message);
}

function json(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(body);
}

function problem(res: ServerResponse, status: number, type: string, detail: string): void {
  res.writeHead(status, {
    'content-type': 'application/problem+json',
    'cache-control': 'no-store',
  });
  res.end(JSON.stringify({ type, title: type.replaceAll('-', ' '), status, detail }));
}
