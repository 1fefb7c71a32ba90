import { ConfigError, loadGeodeConfig } from './geode-config';

describe('loadGeodeConfig', () => {
  it('gives defaults and an embedded database when nothing but the region is set', () => {
    const config = loadGeodeConfig({ GEODE_REGION: 'eu-west-1' });
    expect(config).toEqual({
      region: 'eu-west-1',
      http: { host: '127.0.0.1', port: 3000 },
      database: { kind: 'embedded', dataDir: './data', name: 'geode-eu-west-1' },
      migrations: 'run',
      logLevel: 'info',
      shutdownTimeoutMs: 10_000,
      sessionWaitMs: 2_000,
      replication: {
        peers: [],
        heartbeatMs: 5_000,
        retryMaxMs: 30_000,
        refillFrom: [],
        sync: { categories: {}, timeoutMs: 5_000 },
      },
      peerAuth: { mode: 'none', peers: [], keys: new Map() },
      operatorAuth: { credentials: [] },
      ledgerMerges: { overdraftFee: null, resolverVersion: 1 },
    });
  });

  it('reads the overdraft fee in minor units and the resolver version', () => {
    const config = loadGeodeConfig({
      GEODE_REGION: 'eu-west-1',
      GEODE_OVERDRAFT_FEE: '500',
      GEODE_LEDGER_RESOLVER_VERSION: '2',
    });
    expect(config.ledgerMerges).toEqual({ overdraftFee: 500n, resolverVersion: 2 });
    for (const fee of ['0', '-5', '2.50', 'EUR 5'])
      expect(() =>
        loadGeodeConfig({ GEODE_REGION: 'eu-west-1', GEODE_OVERDRAFT_FEE: fee }),
      ).toThrow(/^GEODE_OVERDRAFT_FEE must be a whole number of minor units/);
  });

  it('reads operator tokens, and refuses a weak one without printing it', () => {
    const token = 'a'.repeat(40);
    const config = loadGeodeConfig({
      GEODE_REGION: 'eu-west-1',
      GEODE_OPERATOR_TOKENS: 'alice:3f9c1e7a0b5d2c8e4f6a1b3c5d7e9f0a2b4c6d8e',
    });
    expect(config.operatorAuth.credentials.map((credential) => credential.name)).toEqual(['alice']);
    const refusal = () =>
      loadGeodeConfig({ GEODE_REGION: 'eu-west-1', GEODE_OPERATOR_TOKENS: `alice:${token}` });
    expect(refusal).toThrow(ConfigError);
    expect(refusal).toThrow(
      /^GEODE_OPERATOR_TOKENS entry 1 \(alice\): the token is too predictable/,
    );
    expect(refusal).not.toThrow(token);
  });

  it('lets command-line flags win over the environment', () => {
    const config = loadGeodeConfig(
      { GEODE_REGION: 'eu-west-1', GEODE_PORT: '4000' },
      { region: 'us-east-1', port: '0' },
    );
    expect(config.region).toBe('us-east-1');
    expect(config.http.port).toBe(0);
  });

  it('uses DATABASE_URL when set', () => {
    const config = loadGeodeConfig({
      GEODE_REGION: 'a',
      DATABASE_URL: 'postgresql://u:p@db.internal:6543/geode',
    });
    expect(config.database).toEqual({
      kind: 'server',
      url: 'postgresql://u:p@db.internal:6543/geode',
    });
  });

  it('builds a URL from the standard PG* variables, sockets included', () => {
    expect(
      loadGeodeConfig({
        GEODE_REGION: 'a',
        PGHOST: 'db',
        PGUSER: 'app',
        PGPASSWORD: 's3cret',
        PGDATABASE: 'ledger',
      }).database,
    ).toEqual({
      kind: 'server',
      url: 'postgres://app:s3cret@db:5432/ledger',
    });
    expect(loadGeodeConfig({ GEODE_REGION: 'a', PGHOST: '/var/run/postgresql' }).database).toEqual({
      kind: 'server',
      url: 'postgres://postgres@localhost:5432/postgres?host=%2Fvar%2Frun%2Fpostgresql',
    });
  });

  it.each([
    [{}, /^GEODE_REGION is required/],
    [{ GEODE_REGION: '' }, /^GEODE_REGION must be a region id .*\(got ""\)$/],
    [{ GEODE_REGION: 'EU West' }, /^GEODE_REGION must be a region id/],
    [
      { GEODE_REGION: 'a', GEODE_PORT: '70000' },
      /^GEODE_PORT must be at most 65535 \(got "70000"\)$/,
    ],
    [{ GEODE_REGION: 'a', GEODE_PORT: '3.5' }, /^GEODE_PORT must be a whole number/],
    [{ GEODE_REGION: 'a', LOG_LEVEL: 'loud' }, /^LOG_LEVEL must be one of/],
    [
      { GEODE_REGION: 'a', GEODE_MIGRATIONS: 'maybe' },
      /^GEODE_MIGRATIONS must be "run" or "check"/,
    ],
    [
      { GEODE_REGION: 'a', DATABASE_URL: 'not a url' },
      /^DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ URL/,
    ],
    [{ GEODE_REGION: 'a', DATABASE_URL: 'mysql://root@db/x' }, /^DATABASE_URL must be/],
  ])('refuses %j with one line naming the variable', (env, message) => {
    expect(() => loadGeodeConfig(env)).toThrow(ConfigError);
    expect(() => loadGeodeConfig(env)).toThrow(message);
  });

  it('never repeats a password in its error message', () => {
    expect(() =>
      loadGeodeConfig({ GEODE_REGION: 'a', DATABASE_URL: 'mysql://root:hunter2@db/x' }),
    ).toThrow(
      'DATABASE_URL must be a postgres:// or postgresql:// URL with a host (got "mysql://root:***@db/x")',
    );
  });
});
