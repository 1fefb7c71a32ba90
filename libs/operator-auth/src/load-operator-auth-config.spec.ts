import { createHash } from 'node:crypto';
import { loadOperatorAuthConfig, OperatorAuthConfigError } from './load-operator-auth-config';
import { generateOperatorToken } from './operator-token';

const ALICE = 'alice-token-4fQ9zX2mK7pR1wT8vB3nC6hY0dJ5sL';
const BOB = '9c1e7a0b5d2c8e4f6a1b3c5d7e9f0a2b';
const sha256 = (text: string) => createHash('sha256').update(text).digest();

/** The error a load throws, to check its message says what to fix and shows no token. */
function refusal(load: () => unknown): OperatorAuthConfigError {
  try {
    load();
  } catch (error) {
    if (error instanceof OperatorAuthConfigError) return error;
    throw error;
  }
  throw new Error('expected the configuration to be refused');
}

describe('loadOperatorAuthConfig', () => {
  it('configures nobody when nothing is set (operator routes then refuse everyone)', () => {
    expect(loadOperatorAuthConfig({})).toEqual({ credentials: [] });
    expect(loadOperatorAuthConfig({ GEODE_OPERATOR_TOKENS: ' ' })).toEqual({ credentials: [] });
  });

  it('keeps only the SHA-256 of each name:token entry, several tokens per name allowed', () => {
    const rotated = generateOperatorToken();
    const { credentials } = loadOperatorAuthConfig({
      GEODE_OPERATOR_TOKENS: `alice:${ALICE}, bob:${BOB},alice:${rotated}`,
    });
    expect(credentials).toEqual([
      { name: 'alice', digest: sha256(ALICE) },
      { name: 'bob', digest: sha256(BOB) },
      { name: 'alice', digest: sha256(rotated) },
    ]);
    expect(JSON.stringify(credentials)).not.toContain(ALICE);
  });

  it('reads a JSON file of tokens or of their digests', () => {
    const file = JSON.stringify({
      operators: [
        { name: 'alice', token: ALICE },
        { name: 'ops@example.com', sha256: sha256(BOB).toString('hex') },
      ],
    });
    const read = jest.fn(() => file);
    const { credentials } = loadOperatorAuthConfig(
      { GEODE_OPERATOR_TOKENS_FILE: '/etc/geode/operators.json' },
      read,
    );
    expect(read).toHaveBeenCalledWith('/etc/geode/operators.json');
    expect(credentials).toEqual([
      { name: 'alice', digest: sha256(ALICE) },
      { name: 'ops@example.com', digest: sha256(BOB) },
    ]);
  });

  it.each([
    [{ GEODE_OPERATOR_TOKENS: ALICE }, /^GEODE_OPERATOR_TOKENS entry 1 must be <name>:<token>/],
    [{ GEODE_OPERATOR_TOKENS: `:${ALICE}` }, /entry 1 must be <name>:<token>/],
    [{ GEODE_OPERATOR_TOKENS: `al ice:${ALICE}` }, /entry 1 must be <name>:<token>/],
    [
      { GEODE_OPERATOR_TOKENS: 'alice:short-token' },
      /entry 1 \(alice\): the token must be at least 32/,
    ],
    [{ GEODE_OPERATOR_TOKENS: `alice:${'ab'.repeat(20)}` }, /too predictable/],
    [{ GEODE_OPERATOR_TOKENS: `alice:${'x'.repeat(31)}yz0123456` }, /too predictable/],
    [{ GEODE_OPERATOR_TOKENS: `alice:${'0123456789'.repeat(4)}` }, /too predictable/],
    [
      { GEODE_OPERATOR_TOKENS: `alice:${ALICE} with space` },
      /the token must be 32–512 characters of/,
    ],
    [
      { GEODE_OPERATOR_TOKENS: `alice:${ALICE},bob:${ALICE}` },
      /gives alice and bob the same token/,
    ],
    [
      { GEODE_OPERATOR_TOKENS: `alice:${ALICE}`, GEODE_OPERATOR_TOKENS_FILE: 'x.json' },
      /both set: choose one/,
    ],
  ])('refuses %j in one line naming the variable, never the token', (env, message) => {
    const error = refusal(() => loadOperatorAuthConfig(env));
    expect(error.message).toMatch(message);
    expect(error.message).toMatch(/^GEODE_OPERATOR_TOKENS/);
    expect(error.message).not.toContain('\n');
    for (const secret of [ALICE, 'short-token', 'ab'.repeat(20), '0123456789'.repeat(4)])
      expect(error.message).not.toContain(secret);
  });

  it.each([
    ['{ "operators": [', /is not valid JSON/],
    ['{ "operators": [{ "name": "alice" }] }', /must be \{"operators"/],
    [
      JSON.stringify({ operators: [{ name: 'alice', token: ALICE, extra: 1 }] }),
      /must be \{"operators"/,
    ],
    [JSON.stringify({ operators: [{ name: '', token: ALICE }] }), /operator 1 needs a name/],
    [
      JSON.stringify({ operators: [{ name: 'bob', sha256: 'abc' }] }),
      /operator 1 \(bob\) sha256 must be 64/,
    ],
    [
      JSON.stringify({ operators: [{ name: 'bob', token: 'changeme' }] }),
      /operator 1 \(bob\): the token must be at least 32/,
    ],
  ])('refuses the file %s', (text, message) => {
    const error = refusal(() =>
      loadOperatorAuthConfig({ GEODE_OPERATOR_TOKENS_FILE: 'ops.json' }, () => text),
    );
    expect(error.message).toMatch(/^GEODE_OPERATOR_TOKENS_FILE/);
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain(ALICE);
    expect(error.message).not.toContain('changeme');
  });

  it('says when the file cannot be read', () => {
    const missing = () => {
      throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
    };
    expect(
      refusal(() => loadOperatorAuthConfig({ GEODE_OPERATOR_TOKENS_FILE: 'gone.json' }, missing))
        .message,
    ).toBe('GEODE_OPERATOR_TOKENS_FILE names a file that cannot be read: gone.json (no such file)');
  });

  it('accepts what generateOperatorToken and openssl rand -hex make', () => {
    for (let i = 0; i < 200; i++) {
      const hex = Buffer.from(generateOperatorToken(), 'base64url').toString('hex').slice(0, 32);
      expect(() =>
        loadOperatorAuthConfig({
          GEODE_OPERATOR_TOKENS: `a:${generateOperatorToken()},b:${hex}`,
        }),
      ).not.toThrow();
    }
  });
});
