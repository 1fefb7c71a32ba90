import { spawnSync } from 'node:child_process';
import type { Progress } from '../harness/progress';

/** `wrk` (the load generator) and `nginx` (the peer), from Debian, installed when missing. */
export function ensureTools(progress: Progress): void {
  const missing = ['wrk', 'nginx'].filter((tool) => !onPath(tool));
  if (missing.length === 0) return;
  progress.note(`installing ${missing.join(' and ')} (apt-get install -y wrk nginx)`);
  const install = () =>
    spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'wrk', 'nginx'], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  let result = install();
  if (result.status !== 0) {
    spawnSync('apt-get', ['update'], { stdio: 'ignore' });
    result = install();
  }
  const still = ['wrk', 'nginx'].filter((tool) => !onPath(tool));
  if (still.length > 0)
    throw new Error(
      `cannot install ${still.join(' and ')} (apt-get install -y wrk nginx, as root): ${result.stderr?.toString().trim().split('\n').pop() ?? 'apt-get failed'}`,
    );
}

function onPath(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
}
