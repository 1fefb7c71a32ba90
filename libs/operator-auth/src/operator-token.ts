import { createHash, randomBytes } from 'node:crypto';

/** Shortest token accepted, in characters. */
export const MIN_OPERATOR_TOKEN_LENGTH = 32;
/** Longest token accepted: more is not a token but a payload to hash. */
export const MAX_OPERATOR_TOKEN_LENGTH = 512;
/** Least estimated entropy of a token, in bits (a 32-character hex string has 128). */
export const MIN_OPERATOR_TOKEN_BITS = 128;

/** RFC 6750 `b64token`: what may follow `Bearer `. */
const TOKEN_SYNTAX = /^[A-Za-z0-9\-._~+/]+=*$/;
/** Operator names: recorded in events and logs, so short and printable. */
const NAME_SYNTAX = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

export const isOperatorName = (name: string): boolean => NAME_SYNTAX.test(name);
export const hasOperatorTokenSyntax = (token: string): boolean =>
  token.length <= MAX_OPERATOR_TOKEN_LENGTH && TOKEN_SYNTAX.test(token);

export function operatorTokenDigest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** A fresh token: 32 random bytes, base64url (43 characters, 256 bits). */
export function generateOperatorToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Why `token` cannot be a secret, or undefined when it can. A sanity check
 * against placeholders (`changeme…`, `aaaa…`, `abcabc…`), not a proof of
 * strength: the estimate is length × log2 of the smallest alphabet the token
 * fits in (digits, hex, alphanumerics, base64), and repetitive text (few
 * distinct characters, one character for half of it, a repeated pattern) is
 * refused. Random tokens of 32 hex characters or more always pass.
 */
export function weakTokenReason(token: string): string | undefined {
  if (!hasOperatorTokenSyntax(token))
    return `must be 32–${MAX_OPERATOR_TOKEN_LENGTH} characters of A–Z a–z 0–9 - . _ ~ + / (then = padding)`;
  if (token.length < MIN_OPERATOR_TOKEN_LENGTH)
    return `must be at least ${MIN_OPERATOR_TOKEN_LENGTH} characters (e.g. openssl rand -hex 32)`;
  const body = token.replace(/=+$/, '');
  const counts = new Map<string, number>();
  for (const char of body) counts.set(char, (counts.get(char) ?? 0) + 1);
  const commonest = Math.max(...counts.values());
  const alphabet = /^[0-9]+$/.test(body)
    ? 10
    : /^[0-9a-f]+$|^[0-9A-F]+$/.test(body)
      ? 16
      : /^[A-Za-z0-9]+$/.test(body)
        ? 62
        : 66;
  const bits = body.length * Math.log2(alphabet);
  if (
    counts.size < 8 ||
    commonest > body.length / 2 ||
    isPeriodic(body) ||
    bits < MIN_OPERATOR_TOKEN_BITS
  )
    return 'is too predictable (repeated or few distinct characters): generate one, e.g. openssl rand -hex 32';
  return undefined;
}

/** `abcabcab…`: a short pattern repeated, however long. */
function isPeriodic(text: string): boolean {
  for (let period = 1; period <= text.length / 2; period++)
    if (text.slice(period) === text.slice(0, text.length - period)) return true;
  return false;
}
