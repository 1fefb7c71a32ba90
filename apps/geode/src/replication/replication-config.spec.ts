import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadGeodeConfig } from '../config/geode-config';

describe('replication configuration', () => {
  const base = { GEODE_REGION: 'eu-west-1' };

  it('has no peers by default, and reads GEODE_PEERS and the link timings', () => {
    expect(loadGeodeConfig(base).replication).toEqual({
      peers: [],
      heartbeatMs: 5_000,
      retryMaxMs: 30_000,
      refillFrom: [],
      sync: { categories: {}, timeoutMs: 5_000 },
    });
    expect(
      loadGeodeConfig({
        ...base,
        GEODE_PEERS: 'us-east-1=http://127.0.0.1:4001',
        GEODE_REPLICATION_HEARTBEAT_MS: '250',
        GEODE_REPLICATION_RETRY_MAX_MS: '2000',
      }).replication,
    ).toEqual({
      peers: [{ region: 'us-east-1', url: 'http://127.0.0.1:4001' }],
      heartbeatMs: 250,
      retryMaxMs: 2_000,
      refillFrom: [],
      sync: { categories: {}, timeoutMs: 5_000 },
    });
  });

  it('reads the refill sources (the flag wins) and the sync policy', () => {
    const peers = 'us-east-1=http://a:1,ap-southeast-2=http://b:2';
    const config = loadGeodeConfig(
      {
        ...base,
        GEODE_PEERS: peers,
        GEODE_REFILL_FROM: 'ap-southeast-2',
        GEODE_SYNC_CATEGORIES: 'account:quorum, ledger:all',
        GEODE_SYNC_TIMEOUT_MS: '750',
      },
      { refillFrom: 'us-east-1,ap-southeast-2' },
    ).replication;
    expect(config.refillFrom).toEqual(['us-east-1', 'ap-southeast-2']);
    expect(config.sync).toEqual({
      categories: { account: 'quorum', ledger: 'all' },
      timeoutMs: 750,
    });
  });

  it('reads GEODE_PEERS_FILE', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'geode-peers-')), 'peers.json');
    writeFileSync(
      file,
      JSON.stringify({ peers: [{ region: 'ap-southeast-2', url: 'https://ap.example' }] }),
    );
    expect(loadGeodeConfig({ ...base, GEODE_PEERS_FILE: file }).replication.peers).toEqual([
      { region: 'ap-southeast-2', url: 'https://ap.example' },
    ]);
  });

  it.each([
    [{ GEODE_PEERS: 'us-east-1' }, /^GEODE_PEERS "us-east-1" is not of the form <region>=<url>$/],
    [{ GEODE_PEERS: 'eu-west-1=http://a:1' }, /^GEODE_PEERS names this geode's own region/],
    [{ GEODE_PEERS: 'us-east-1=http://a:1', GEODE_PEERS_FILE: '/x' }, /both set/],
    [
      { GEODE_PEERS_FILE: '/nonexistent/peers.json' },
      /^GEODE_PEERS_FILE cannot be read \(ENOENT\)$/,
    ],
    [
      { GEODE_PEERS: 'us-east-1=http://a:1', GEODE_REFILL_FROM: 'ap-southeast-2' },
      /^GEODE_REFILL_FROM names "ap-southeast-2", which is not a configured peer/,
    ],
    [{ GEODE_SYNC_CATEGORIES: 'account:most' }, /^GEODE_SYNC_CATEGORIES "account:most" is not/],
    [{ GEODE_SYNC_CATEGORIES: 'account' }, /^GEODE_SYNC_CATEGORIES "account" is not/],
    [
      { GEODE_REPLICATION_HEARTBEAT_MS: '10' },
      /^GEODE_REPLICATION_HEARTBEAT_MS must be at least 50/,
    ],
  ])('refuses %j with one line naming the variable', (env, message) => {
    const load = () => loadGeodeConfig({ ...base, ...env });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(message);
  });
});
