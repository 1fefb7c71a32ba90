import { createServer, request, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { drainHttpServer } from './graceful-shutdown';

/** A server whose /slow answers only when the test says so. */
function slowServer() {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let arrived!: () => void;
  const slowArrived = new Promise<void>((resolve) => (arrived = resolve));
  const server = createServer((req, res) => {
    if (req.url === '/slow') {
      arrived();
      void released.then(() => res.end('done'));
    } else {
      res.end('fast');
    }
  });
  return { server, release, slowArrived };
}

function get(port: number, path: string): Promise<{ status?: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ port, path, host: '127.0.0.1', agent: false }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const listen = (server: Server) =>
  new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );

describe('drainHttpServer', () => {
  it('answers the request in flight, refuses new connections, then resolves', async () => {
    const { server, release, slowArrived } = slowServer();
    const port = await listen(server);
    const inFlight = get(port, '/slow');
    await slowArrived;

    let drained = false;
    const draining = drainHttpServer(server).then(() => (drained = true));
    await expect(get(port, '/fast')).rejects.toThrow(/ECONNREFUSED/);
    expect(drained).toBe(false);

    release();
    expect(await inFlight).toEqual({ status: 200, body: 'done' });
    await draining;
    expect(drained).toBe(true);
  });

  it('does not wait for idle keep-alive connections', async () => {
    const { server } = slowServer();
    const port = await listen(server);
    const keepAlive = await fetch(`http://127.0.0.1:${port}/fast`);
    expect(await keepAlive.text()).toBe('fast');
    const started = Date.now();
    await drainHttpServer(server);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('resolves at once for a server that is not listening', async () => {
    await expect(drainHttpServer(createServer())).resolves.toBeUndefined();
  });
});
