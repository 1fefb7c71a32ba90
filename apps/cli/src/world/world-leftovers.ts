import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CliError } from '../cli-error';

/** What a running world writes to `<data>/world/world.json`. */
export interface WorldRecord {
  pid: number;
  children: number[];
  controlUrl: string;
  routerUrl: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function commandLineOf(pid: number): Promise<string> {
  return (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).replaceAll('\0', ' ');
}

async function waitGone(pid: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (alive(pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  return !alive(pid);
}

/**
 * A world killed without its Ctrl-C (SIGKILL, a closed laptop) leaves its
 * apps running: stop the ones its record names, if they are still ours.
 */
export async function stopLeftoversOf(
  recordFile: string,
  report: (line: string) => void,
): Promise<void> {
  let record: Partial<WorldRecord>;
  try {
    record = JSON.parse(await readFile(recordFile, 'utf8')) as Partial<WorldRecord>;
  } catch {
    return;
  }
  if (record.pid !== undefined && record.pid !== process.pid && alive(record.pid)) {
    const command = await commandLineOf(record.pid);
    if (command.includes('world'))
      throw new CliError(
        `another world (pid ${record.pid}) runs on this data directory: stop it first (Ctrl-C in its terminal)`,
      );
  }
  for (const pid of record.children ?? []) {
    if (!alive(pid) || !/(geode|router)\/src\/main\.js/.test(await commandLineOf(pid))) continue;
    report(`stopping pid ${pid} left running by an earlier world`);
    process.kill(pid, 'SIGTERM');
    if (!(await waitGone(pid, 15_000))) process.kill(pid, 'SIGKILL');
  }
}

/**
 * A geode killed with SIGKILL cannot stop its embedded PostgreSQL; its next
 * start would, but at the world's end nothing starts again: stop it here
 * (SIGINT is PostgreSQL's fast shutdown).
 */
export async function stopStrayPostgres(clusterDirs: string[]): Promise<void> {
  await Promise.all(
    clusterDirs.map(async (dir) => {
      const text = await readFile(join(dir, 'postmaster.pid'), 'utf8').catch(() => '');
      const pid = Number(text.split('\n')[0]);
      if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return;
      if (!(await commandLineOf(pid)).includes(dir)) return;
      process.kill(pid, 'SIGINT');
      if (!(await waitGone(pid, 15_000))) process.kill(pid, 'SIGKILL');
    }),
  );
}
