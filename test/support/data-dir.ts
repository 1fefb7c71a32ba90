import { chmod, mkdir, mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A new folder under ./data for a test's embedded clusters. Readable by
 * others, because as root the cluster runs as the `postgres` user.
 */
export async function createDataDir(prefix: string): Promise<string> {
  const parent = join(process.cwd(), 'data');
  await mkdir(parent, { recursive: true });
  const dir = await mkdtemp(join(parent, `${prefix}-`));
  await chmod(dir, 0o755);
  return dir;
}
