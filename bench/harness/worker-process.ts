import { type ChildProcess, fork } from 'node:child_process';

interface Envelope {
  id: number;
  request: unknown;
}

type Reply =
  { id: number; ok: true; result: unknown } | { id: number; ok: false; error: WorkerError };

interface WorkerError {
  message: string;
  stack?: string;
}

/**
 * A benchmark subject running in a Node process of its own, driven by
 * request/response messages. A process of its own keeps a subject from
 * sharing a heap, an event loop or process-wide library state (Emmett's client
 * installs global `pg` type parsers, for one) with another, and makes the
 * memory it uses its own.
 */
export class WorkerProcess<Request, Response> {
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (value: Response) => void; reject: (error: Error) => void }
  >();
  private exited: Error | undefined;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    child.on('message', (message: Reply) => this.settle(message));
    child.on('exit', (code, signal) => {
      this.exited = new Error(
        `worker ${name} exited (${signal ?? `code ${code}`}) with ${this.pending.size} request(s) pending`,
      );
      for (const { reject } of this.pending.values()) reject(this.exited);
      this.pending.clear();
    });
  }

  /**
   * Starts `modulePath` (a compiled worker that calls `serveWorkerRequests`); `nodeFlags`
   * are the flags the measured app starts with, so the worker measures what a user runs.
   */
  static start<Request, Response>(
    name: string,
    modulePath: string,
    args: string[] = [],
    nodeFlags: readonly string[] = [],
  ): WorkerProcess<Request, Response> {
    const child = fork(modulePath, args, {
      // The worker's stdout goes to our stderr: stdout carries the results table only.
      stdio: ['ignore', 2, 2, 'ipc'],
      serialization: 'advanced',
      execArgv: ['--enable-source-maps', ...nodeFlags],
    });
    return new WorkerProcess<Request, Response>(name, child);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  request(request: Request): Promise<Response> {
    if (this.exited) return Promise.reject(this.exited);
    const id = this.nextId++;
    return new Promise<Response>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ id, request } satisfies Envelope, (error) => {
        if (!error) return;
        this.pending.delete(id);
        reject(error);
      });
    });
  }

  /** Asks the worker to leave (it closes its connections first) and waits for it. */
  async stop(timeoutMs = 10_000): Promise<void> {
    if (this.hasExited()) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.disconnect();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
  }

  /** Ends the worker now (interrupt): the requests in flight fail. */
  kill(): void {
    if (!this.hasExited()) this.child.kill('SIGKILL');
  }

  private hasExited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  private settle(reply: Reply): void {
    const waiting = this.pending.get(reply.id);
    if (!waiting) return;
    this.pending.delete(reply.id);
    if (reply.ok) {
      waiting.resolve(reply.result as Response);
    } else {
      const error = new Error(`${this.name}: ${reply.error.message}`);
      if (reply.error.stack) error.stack = `${error.message}\n(in worker) ${reply.error.stack}`;
      waiting.reject(error);
    }
  }
}

/**
 * The worker side: handles requests one at a time, in order. Leaves when the
 * parent disconnects (also when the parent dies), after `onExit`. Ctrl-C in a
 * terminal reaches the whole process group; the parent decides what happens,
 * so the worker ignores SIGINT.
 */
export function serveWorkerRequests<Request, Response>(
  handle: (request: Request) => Promise<Response>,
  onExit: () => Promise<void>,
): void {
  if (!process.send) throw new Error('this module runs as a worker process (child_process.fork)');
  process.on('SIGINT', () => undefined);
  let queue = Promise.resolve();
  process.on('message', (envelope: Envelope) => {
    queue = queue.then(async () => {
      let reply: Reply;
      try {
        reply = { id: envelope.id, ok: true, result: await handle(envelope.request as Request) };
      } catch (error) {
        reply = { id: envelope.id, ok: false, error: toWorkerError(error) };
      }
      if (process.connected) process.send?.(reply);
    });
  });
  process.on('disconnect', () => {
    void queue
      .then(onExit)
      .catch((error: unknown) => console.error(error))
      .finally(() => process.exit(0));
  });
}

function toWorkerError(error: unknown): WorkerError {
  if (error instanceof Error) return { message: error.message, stack: error.stack };
  return { message: String(error) };
}
