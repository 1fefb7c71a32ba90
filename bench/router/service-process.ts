import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';

/** A compiled Geode app (geode or router) run as its own process, as in production. */
export class ServiceProcess {
  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
    readonly url: string,
  ) {}

  static async start(
    name: string,
    main: string,
    args: string[],
    env: NodeJS.ProcessEnv,
  ): Promise<ServiceProcess> {
    const child = spawn(process.execPath, [main, ...args], {
      env: { PATH: process.env.PATH, LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`${name} did not start within 60 s: ${stderr}`));
      }, 60_000);
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const found = /listening on (http:\/\/\S+)/.exec(stdout);
        if (found) {
          clearTimeout(timer);
          resolve(found[1]);
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${name} exited (${code}) before listening: ${stderr}`));
      });
    });
    return new ServiceProcess(name, child, url);
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Peak resident memory so far (VmHWM), in MB; `undefined` off Linux. */
  async peakRssMb(): Promise<number | undefined> {
    const status = await readFile(`/proc/${this.pid}/status`, 'utf8').catch(() => '');
    const found = /VmHWM:\s+(\d+) kB/.exec(status);
    return found ? Math.round(Number(found[1]) / 1024) : undefined;
  }

  /** CPU time used so far (user + system), in seconds; `undefined` off Linux. */
  async cpuSeconds(): Promise<number | undefined> {
    const stat = await readFile(`/proc/${this.pid}/stat`, 'utf8').catch(() => '');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields.length < 13) return undefined;
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100 Hz on Linux)
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }
}
