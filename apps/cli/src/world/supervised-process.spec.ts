import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SupervisedProcess } from './supervised-process';

// Real child processes: a tiny node script that says it is ready, and one that dies on start.
describe('SupervisedProcess', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'supervised-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const app = (script: string, reports: string[]) =>
    new SupervisedProcess({
      name: 'app',
      command: process.execPath,
      args: ['-e', script],
      env: process.env,
      logFile: join(dir, 'app.log'),
      readyPattern: /ready at (\S+)/,
      report: (line) => reports.push(line),
      restartDelayMs: 50,
    });

  it('reports a crash and restarts the process; stop ends it for good', async () => {
    const reports: string[] = [];
    const supervised = app(
      "console.log('ready at http://x'); process.stderr.write('some log\\n'); setInterval(() => {}, 1000)",
      reports,
    );
    expect(await supervised.start()).toBe('http://x');
    const firstPid = supervised.pid;
    expect(supervised.kill()).toBe(true);
    await waitFor(() => supervised.status.state === 'running' && supervised.pid !== firstPid);
    expect(reports[0]).toMatch(/^app exited \(signal SIGKILL\); restarting in 0\.1 s$/);
    expect(reports[1]).toBe('app is back (restart 1)');
    expect(supervised.status.restarts).toBe(1);

    await supervised.stop();
    expect(supervised.status.state).toBe('stopped');
    expect(supervised.kill()).toBe(false);
    expect(await readFile(join(dir, 'app.log'), 'utf8')).toContain('some log');
  });

  it('rejects a first start that exits before it is ready, with its last error line', async () => {
    const supervised = app("process.stderr.write('cannot listen\\n'); process.exit(3)", []);
    await expect(supervised.start()).rejects.toThrow(
      /app exited \(code 3\) before it was ready: cannot listen/,
    );
    await supervised.stop();
  });
});

async function waitFor(condition: () => boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
