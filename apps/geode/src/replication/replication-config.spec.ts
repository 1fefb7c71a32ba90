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
      { GEODE_REPLICATION_HEARTBEAT_MS: '10' },
      /^GEODE_REPLICATION_HEARTBEAT_MS must be at least 50/,
    ],
  ])('refuses %j with one line naming the variable', (env, message) => {
    const load = () => loadGeodeConfig({ ...base, ...env });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(message);
  });
});
