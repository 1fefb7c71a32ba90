import { randomBytes } from 'node:crypto';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CliError } from '../cli-error';

/** The operator the world's own token is recorded as (in merges and home moves it makes). */
export const WORLD_OPERATOR = 'world-operator';

export interface WorldOperatorToken {
  /** `<worldDir>/operator-token`, mode 600: the CLI reads it from there. */
  file: string;
  token: string;
}

const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/**
 * The world's operator token (ADR 0014): 32 random bytes, base64url, made at
 * the first start and kept with the world's files so that the CLI, the
 * console and later runs use the same one. Only the owner may read it.
 */
export async function ensureWorldOperatorToken(worldDir: string): Promise<WorldOperatorToken> {
  const file = join(worldDir, 'operator-token');
  let token: string | undefined;
  try {
    token = (await readFile(file, 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new CliError(
        `cannot read the world's operator token ${file}: ${(error as Error).message}`,
        1,
        {
          cause: error,
        },
      );
  }
  if (token === undefined || !TOKEN.test(token)) {
    // Absent, or not one we made (edited by hand, truncated): a fresh one replaces it.
    token = randomBytes(32).toString('base64url');
    await writeFile(file, `${token}\n`, { mode: 0o600 });
  }
  // writeFile's mode applies only to a new file (and under the umask): make sure.
  await chmod(file, 0o600);
  return { file, token };
}
