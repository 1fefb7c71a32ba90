import { createServer, type AddressInfo, type Server, Socket } from 'node:net';

export interface LinkProxyOptions {
  /** Extra latency on bytes going to the target (the request direction), ms. */
  delayToTargetMs?: number;
  /** Extra latency on bytes coming back from the target (the response direction), ms. */
  delayToClientMs?: number;
}

/**
 * A TCP proxy on a free loopback port standing for a network link between
 * two geodes: it can be cut (every connection reset, new ones refused),
 * black-holed (connections stay open but no byte passes: what a dead WAN link
 * looks like to TCP) and healed, with optional one-way delay. The target can
 * be set after the proxy starts, so apps can be configured with its URL first.
 */
export class LinkProxy {
  private readonly pairs = new Set<[Socket, Socket]>();
  private mode: 'open' | 'cut' | 'blackhole' = 'open';
  private targetPort?: number;

  private constructor(
    private readonly server: Server,
    private options: LinkProxyOptions,
  ) {}

  static async start(options: LinkProxyOptions = {}): Promise<LinkProxy> {
    const server = createServer();
    const proxy = new LinkProxy(server, options);
    server.on('connection', (socket) => proxy.accept(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get connections(): number {
    return this.pairs.size;
  }

  /** `open`, `cut` or `blackhole`. */
  get state(): 'open' | 'cut' | 'blackhole' {
    return this.mode;
  }

  get delay(): Readonly<LinkProxyOptions> {
    return this.options;
  }

  /** Where connections go (a geode's port); existing connections keep their target. */
  setTarget(port: number): void {
    this.targetPort = port;
  }

  setDelay(options: LinkProxyOptions): void {
    this.options = options;
  }

  /** Resets every connection and refuses new ones until `heal`. */
  cut(): void {
    this.mode = 'cut';
    for (const [client, upstream] of this.pairs) {
      client.resetAndDestroy();
      upstream.resetAndDestroy();
    }
    this.pairs.clear();
  }

  /** Keeps connections open but lets no byte through, until `heal`. */
  blackhole(): void {
    this.mode = 'blackhole';
  }

  heal(): void {
    this.mode = 'open';
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    if (this.mode === 'cut' || this.targetPort === undefined) {
      client.resetAndDestroy();
      return;
    }
    const upstream = new Socket();
    const pair: [Socket, Socket] = [client, upstream];
    this.pairs.add(pair);
    const drop = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    upstream.connect(this.targetPort, '127.0.0.1');
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    this.forward(client, upstream, () => this.options.delayToTargetMs ?? 0);
    this.forward(upstream, client, () => this.options.delayToClientMs ?? 0);
  }

  /** Copies bytes one way, in order, after `delay` ms; black-holed bytes are dropped. */
  private forward(from: Socket, to: Socket, delay: () => number): void {
    let chain = Promise.resolve();
    from.on('data', (chunk: Buffer) => {
      if (this.mode === 'blackhole') return;
      const ms = delay();
      if (ms <= 0) {
        if (!to.destroyed && !to.write(chunk)) from.pause();
        return;
      }
      const due = Date.now() + ms;
      chain = chain.then(async () => {
        const wait = due - Date.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        if (!to.destroyed && this.mode !== 'blackhole') to.write(chunk);
      });
    });
    to.on('drain', () => from.resume());
    from.on('end', () => {
      void chain.then(() => to.end());
    });
  }
}
