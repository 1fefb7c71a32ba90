import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';

export type SupervisedState = 'starting' | 'running' | 'restarting' | 'stopped';

export interface SupervisedProcessOptions {
  name: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** Both output streams are appended here (JSON log lines of the apps). */
  logFile: string;
  /** A line on stdout that says the process is ready (and its URL, as group 1). */
  readyPattern: RegExp;
  /** One human line per noteworthy event: crashes, restarts. */
  report: (line: string) => void;
  /** First restart delay, doubled after every crash up to `maxRestartDelayMs`. */
  restartDelayMs?: number;
  maxRestartDelayMs?: number;
}

export interface SupervisedStatus {
  name: string;
  state: SupervisedState;
  pid: number | null;
  restarts: number;
  lastExit: string | null;
}

/** A run this long counts as healthy: the next crash restarts after the first delay again. */
const HEALTHY_RUN_MS = 30_000;

/**
 * A child process kept running: started in its own process group (a Ctrl-C
 * in the terminal reaches only the world, which then stops everything in
 * order), restarted with exponential backoff when it exits on its own, and
 * stopped with SIGTERM then, after a grace period, SIGKILL.
 */
export class SupervisedProcess {
  private child?: ChildProcess;
  private state: SupervisedState = 'stopped';
  private restarts = 0;
  private consecutiveCrashes = 0;
  private lastExit: string | null = null;
  private restartTimer?: NodeJS.Timeout;
  private stopping = false;
  private readonly log: WriteStream;

  constructor(private readonly options: SupervisedProcessOptions) {
    this.log = createWriteStream(options.logFile, { flags: 'a' });
  }

  get status(): SupervisedStatus {
    return {
      name: this.options.name,
      state: this.state,
      pid: this.child?.pid ?? null,
      restarts: this.restarts,
      lastExit: this.lastExit,
    };
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts the process and resolves with what its ready line captured; rejects if it exits first. */
  start(timeoutMs = 60_000): Promise<string> {
    this.stopping = false;
    this.state = 'starting';
    const child = spawn(this.options.command, this.options.args, {
      env: this.options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.child = child;
    const startedAt = Date.now();
    let stdout = '';
    let stderrTail = '';
    child.stdout.pipe(this.log, { end: false });
    child.stderr.pipe(this.log, { end: false });
    child.stderr.on('data', (chunk: Buffer) => {
      stderrTail = (stderrTail + chunk.toString()).slice(-2_000);
    });
    const ready = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`${this.options.name} did not start within ${timeoutMs} ms`));
      }, timeoutMs);
      const onData = (chunk: Buffer) => {
        stdout = (stdout + chunk.toString()).slice(-4_000);
        const found = this.options.readyPattern.exec(stdout);
        if (!found) return;
        clearTimeout(timer);
        child.stdout.off('data', onData);
        this.state = 'running';
        resolve(found[1] ?? '');
      };
      child.stdout.on('data', onData);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        const why = signal ? `signal ${signal}` : `code ${code}`;
        reject(
          new Error(
            `${this.options.name} exited (${why}) before it was ready: ${lastLine(stderrTail)}`,
          ),
        );
      });
    });
    child.once('exit', (code, signal) => this.exited(child, code, signal, Date.now() - startedAt));
    return ready;
  }

  /** Kills the process at once (a crash, as the world's fault injection); it is restarted. */
  kill(): boolean {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) return false;
    return this.child.kill('SIGKILL');
  }

  /** For an exit hook: SIGTERM now, synchronously, and no restart; the app stops on its own. */
  terminateNow(): void {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    if (this.child && this.child.exitCode === null && this.child.signalCode === null)
      this.child.kill('SIGTERM');
  }

  /** SIGTERM, then SIGKILL after `graceMs`; no restart. */
  async stop(graceMs = 15_000): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const forced = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(forced);
    }
    this.state = 'stopped';
    await new Promise<void>((resolve) => this.log.end(resolve));
  }

  private exited(
    child: ChildProcess,
    code: number | null,
    signal: NodeJS.Signals | null,
    ranMs: number,
  ): void {
    if (child !== this.child) return;
    this.lastExit = signal ? `signal ${signal}` : `code ${code}`;
    if (this.stopping) {
      this.state = 'stopped';
      return;
    }
    const wasRunning = this.state === 'running';
    this.consecutiveCrashes = ranMs >= HEALTHY_RUN_MS ? 1 : this.consecutiveCrashes + 1;
    const first = this.options.restartDelayMs ?? 1_000;
    const delay = Math.min(
      first * 2 ** (this.consecutiveCrashes - 1),
      this.options.maxRestartDelayMs ?? 30_000,
    );
    this.state = 'restarting';
    if (!wasRunning) return; // a failed first start is reported by start()'s rejection instead
    this.options.report(
      `${this.options.name} exited (${this.lastExit}); restarting in ${(delay / 1000).toFixed(1)} s`,
    );
    this.restartTimer = setTimeout(() => this.restart(), delay);
  }

  private restart(): void {
    if (this.stopping) return;
    this.restarts += 1;
    this.start().then(
      () => this.options.report(`${this.options.name} is back (restart ${this.restarts})`),
      (error: Error) => {
        this.options.report(`${this.options.name} failed to restart: ${error.message}`);
        this.scheduleAfterFailedStart();
      },
    );
  }

  private scheduleAfterFailedStart(): void {
    if (this.stopping) return;
    this.consecutiveCrashes += 1;
    const delay = Math.min(
      (this.options.restartDelayMs ?? 1_000) * 2 ** (this.consecutiveCrashes - 1),
      this.options.maxRestartDelayMs ?? 30_000,
    );
    this.state = 'restarting';
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => this.restart(), delay);
  }
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return lines[lines.length - 1] || '(no output)';
}
