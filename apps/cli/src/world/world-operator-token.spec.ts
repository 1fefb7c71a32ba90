import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureWorldOperatorToken } from './world-operator-token';

describe('ensureWorldOperatorToken', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'world-token-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const modeOf = async (file: string) => (await stat(file)).mode & 0o777;

  it('makes a 256-bit token at first start, owner-only, and keeps it for later starts', async () => {
    const first = await ensureWorldOperatorToken(dir);
    expect(first.file).toBe(join(dir, 'operator-token'));
    expect(first.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await modeOf(first.file)).toBe(0o600);
    expect((await readFile(first.file, 'utf8')).trim()).toBe(first.token);
    expect(await ensureWorldOperatorToken(dir)).toEqual(first);
  });

  it('tightens a loosened file, and replaces one that holds no token of ours', async () => {
    const { file, token } = await ensureWorldOperatorToken(dir);
    await chmod(file, 0o644);
    expect((await ensureWorldOperatorToken(dir)).token).toBe(token);
    expect(await modeOf(file)).toBe(0o600);
    await writeFile(file, 'changeme\n');
    const replaced = await ensureWorldOperatorToken(dir);
    expect(replaced.token).not.toBe('changeme');
    expect(replaced.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
