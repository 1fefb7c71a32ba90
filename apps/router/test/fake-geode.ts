import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface FakeGeode {
  region: string;
  url: string;
  /** Every request other than `/health`, in arrival order. */
  seen: SeenRequest[];
  /** What `/health` answers; tests change it to make the geode look sick or lagging. */
  health: { status: number; body: Record<string, unknown> };
  close(): Promise<void>;
}

export type FakeHandler = (request: SeenRequest, res: ServerResponse) => void;

/**
 * A stand-in geode for what real geodes cannot do on demand yet (answer
 * `409 session-not-satisfied`) and for counting what reaches a geode.
 */
export async function startFakeGeode(region: string, handler: FakeHandler): Promise<FakeGeode> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.url === '/health') {
        res.writeHead(geode.health.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(geode.health.body));
        return;
      }
      const request = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      };
      geode.seen.push(request);
      handler(request, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const geode: FakeGeode = {
    region,
    url: `http://127.0.0.1:${port}`,
    seen: [],
    health: { status: 200, body: { status: 'ok', region } },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return geode;
}

export function answerJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': status >= 400 ? 'application/problem+json' : 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}
