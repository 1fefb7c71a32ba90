import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopLeftoversOf } from './world-leftovers';

const alive = (pid: number) => {
  try {
    return process.kill(pid, 0);
  } catch {
    return false;
  }
};

// Real processes: one whose command line looks like a geode, one that does not.
describe('stopLeftoversOf', () => {
  let dir: string;
  const children: ChildProcess[] = [];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'leftovers-'));
  });
  afterEach(async () => {
    for (const child of children) child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  const run = async (script: string) => {
    await mkdir(join(script, '..'), { recursive: true });
    await writeFile(script, 'setInterval(() => {}, 1000);\n');
    const child = spawn(process.execPath, [script], { stdio: 'ignore' });
    children.push(child);
    await new Promise((resolve) => child.once('spawn', resolve));
    return child.pid!;
  };

  it('stops the apps an earlier world left, and only those', async () => {
    const geode = await run(join(dir, 'geode', 'src', 'main.js'));
    const stranger = await run(join(dir, 'other', 'server.js'));
    const record = join(dir, 'world.json');
    await writeFile(record, JSON.stringify({ pid: 999_999_999, children: [geode, stranger] }));
    const reports: string[] = [];

    await stopLeftoversOf(record, (line) => reports.push(line));

    expect(alive(geode)).toBe(false);
    expect(alive(stranger)).toBe(true);
    expect(reports).toEqual([`stopping pid ${geode} left running by an earlier world`]);
  });

  it('does nothing without a record', async () => {
    await expect(
      stopLeftoversOf(join(dir, 'missing.json'), () => undefined),
    ).resolves.toBeUndefined();
  });
});
