import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { OperatorAuthConfig, OperatorCredential } from './operator-auth-config';
import { isOperatorName, operatorTokenDigest, weakTokenReason } from './operator-token';

/** An operator-auth setting the user got wrong; the message starts with the variable's name and never holds a token. */
export class OperatorAuthConfigError extends Error {
  override readonly name = 'OperatorAuthConfigError';
}

/** The variables this loader reads (both optional, at most one set). */
export interface OperatorAuthEnvironment {
  GEODE_OPERATOR_TOKENS?: string;
  GEODE_OPERATOR_TOKENS_FILE?: string;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** `{ "operators": [ { "name": "alice", "token": "…" } | { "name": "bob", "sha256": "<hex>" } ] }` */
const fileSchema = z.strictObject({
  operators: z.array(
    z.union([
      z.strictObject({ name: z.string(), token: z.string() }),
      z.strictObject({ name: z.string(), sha256: z.string() }),
    ]),
  ),
});

/**
 * Reads and checks the operator tokens, once at start (ADR 0014). Only the
 * SHA-256 digests are kept. A name may hold several tokens (rotation without
 * a cut); a token may not belong to two names. No tokens at all is valid:
 * operator routes then refuse every caller.
 */
export function loadOperatorAuthConfig(
  env: OperatorAuthEnvironment,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): OperatorAuthConfig {
  const inline = env.GEODE_OPERATOR_TOKENS?.trim() || undefined;
  const file = env.GEODE_OPERATOR_TOKENS_FILE?.trim() || undefined;
  if (inline && file)
    throw new OperatorAuthConfigError(
      'GEODE_OPERATOR_TOKENS and GEODE_OPERATOR_TOKENS_FILE are both set: choose one',
    );
  const credentials = file ? fromFile(file, readFile) : inline ? fromList(inline) : [];
  const owners = new Map<string, string>();
  for (const credential of credentials) {
    const hex = credential.digest.toString('hex');
    const owner = owners.get(hex);
    if (owner !== undefined)
      throw new OperatorAuthConfigError(
        `${file ? 'GEODE_OPERATOR_TOKENS_FILE' : 'GEODE_OPERATOR_TOKENS'} gives ${owner} and ${credential.name} the same token: each operator needs their own`,
      );
    owners.set(hex, credential.name);
  }
  return { credentials };
}

/** `name:token` entries separated by commas. */
function fromList(list: string): OperatorCredential[] {
  return list
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry, index) => {
      const separator = entry.indexOf(':');
      const name = separator > 0 ? entry.slice(0, separator).trim() : '';
      const at = `GEODE_OPERATOR_TOKENS entry ${index + 1}`;
      if (!isOperatorName(name))
        throw new OperatorAuthConfigError(
          `${at} must be <name>:<token>, the name 1–64 of A–Z a–z 0–9 . _ @ - (e.g. alice:<token>)`,
        );
      return credential(`${at} (${name})`, name, entry.slice(separator + 1).trim());
    });
}

function fromFile(path: string, readFile: (path: string) => string): OperatorCredential[] {
  let text: string;
  try {
    text = readFile(path);
  } catch (error) {
    const code = (error as { code?: string }).code;
    const reason =
      code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : 'unreadable';
    throw new OperatorAuthConfigError(
      `GEODE_OPERATOR_TOKENS_FILE names a file that cannot be read: ${path} (${reason})`,
      { cause: error },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    // The parser's message may quote the file's text, that is a token: say where, not what.
    throw new OperatorAuthConfigError(`GEODE_OPERATOR_TOKENS_FILE ${path} is not valid JSON`, {
      cause: error,
    });
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success)
    throw new OperatorAuthConfigError(
      `GEODE_OPERATOR_TOKENS_FILE ${path} must be {"operators": [{"name": "…", "token": "…"} or {"name": "…", "sha256": "<hex>"}, …]}`,
    );
  return parsed.data.operators.map((entry, index) => {
    const at = `GEODE_OPERATOR_TOKENS_FILE operator ${index + 1}`;
    if (!isOperatorName(entry.name))
      throw new OperatorAuthConfigError(
        `${at} needs a name of 1–64 of A–Z a–z 0–9 . _ @ - (starting with a letter or digit)`,
      );
    if ('token' in entry) return credential(`${at} (${entry.name})`, entry.name, entry.token);
    if (!SHA256_HEX.test(entry.sha256))
      throw new OperatorAuthConfigError(
        `${at} (${entry.name}) sha256 must be 64 lowercase hex digits (the SHA-256 of the token)`,
      );
    return { name: entry.name, digest: Buffer.from(entry.sha256, 'hex') };
  });
}

function credential(at: string, name: string, token: string): OperatorCredential {
  const weakness = weakTokenReason(token);
  if (weakness) throw new OperatorAuthConfigError(`${at}: the token ${weakness}`);
  return { name, digest: operatorTokenDigest(token) };
}
