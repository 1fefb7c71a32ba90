import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { answerJson, startFakeGeode, type FakeGeode } from './fake-geode';

/** The compiled router (`npm run build` builds it). */
const ROUTER_MAIN = join(__dirname, '..', '..', '..', 'dist', 'apps', 'router', 'src', 'main.js');

function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  if (!existsSync(ROUTER_MAIN))
    throw new Error(`${ROUTER_MAIN} is missing: run "npm run build" first`);
  const child = spawn(process.execPath, [ROUTER_MAIN, ...args], {
    env: { PATH: process.env.PATH, LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return { child, stdout: () => stdout, stderr: () => stderr };
}

describe('the router process', () => {
  let dir: string;
  let geode: FakeGeode;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'geode-router-'));
    geode = await startFakeGeode('eu-west-1', (request, res) =>
      answerJson(res, 200, { url: request.url }),
    );
  });
  afterAll(async () => {
    await geode?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('prints its usage for --help', async () => {
    const started = run(['--help']);
    const [code] = await once(started.child, 'exit');
    expect(code).toBe(0);
    expect(started.stdout()).toContain('Usage: geode-router');
    expect(started.stdout()).toContain('GET /router/status');
  });

  it('refuses a wrong configuration file with one line and exit code 1', async () => {
    const file = join(dir, 'wrong.json');
    await writeFile(
      file,
      JSON.stringify({ geodes: [{ region: 'eu-west-1', url: 'http://127.0.0.1:1/api' }] }),
    );
    const started = run(['--config', file]);
    const [code] = await once(started.child, 'exit');
    expect(code).toBe(1);
    expect(started.stderr()).toBe(
      `router: ${file}: geodes[0].url must be an http:// or https:// URL with no path (got "http://127.0.0.1:1/api")\n`,
    );
  });

  it('serves from its configuration file and stops cleanly on SIGTERM', async () => {
    const file = join(dir, 'router.json');
    await writeFile(file, JSON.stringify({ geodes: [{ region: 'eu-west-1', url: geode.url }] }));
    const started = run(['--port', '0'], { ROUTER_CONFIG: file });
    const url = await new Promise<string>((resolve, reject) => {
      started.child.stdout.on('data', () => {
        const found = /listening on (http:\/\/\S+)/.exec(started.stdout());
        if (found) resolve(found[1]);
      });
      started.child.once('exit', (code) =>
        reject(new Error(`router exited (${code}): ${started.stderr()}`)),
      );
    });
    expect(started.stdout()).toContain('(eu-west-1=up)');
    const response = await fetch(`${url}/v1/accounts/a/events`);
    expect(response.status).toBe(200);
    expect(response.headers.get('geode-region')).toBe('eu-west-1');
    expect(await response.json()).toEqual({ url: '/v1/accounts/a/events' });
    const exited = once(started.child, 'exit');
    started.child.kill('SIGTERM');
    const [code] = await exited;
    expect(code).toBe(0);
  });
});
