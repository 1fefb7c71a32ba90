import { ConfigError, loadRouterConfig, parseRouterSettings } from './router-config';

const geodes = [
  { region: 'eu-west-1', url: 'http://127.0.0.1:3001/' },
  { region: 'us-east-1', url: 'http://127.0.0.1:3002' },
  { region: 'ap-southeast-1', url: 'https://geode.example:8443' },
];

describe('parseRouterSettings', () => {
  it('fills defaults, normalises URLs and completes the fallback with every geode', () => {
    const settings = parseRouterSettings({ geodes, fallback: ['us-east-1'] });
    expect(settings.geodes[0].url).toBe('http://127.0.0.1:3001');
    expect(settings.fallback).toEqual(['us-east-1', 'eu-west-1', 'ap-southeast-1']);
    expect(settings.health).toEqual({
      intervalMs: 2_000,
      timeoutMs: 1_000,
      failuresToDown: 3,
      successesToUp: 2,
      maxLagMs: 5_000,
    });
    expect(settings.maxReplayBodyBytes).toBe(64 * 1024);
  });

  it.each([
    [{}, 'configuration: geodes must be a list of { region, url }'],
    [{ geodes: [] }, 'geodes must name at least one geode'],
    [{ geodes: [{ region: 'EU', url: 'http://a' }] }, 'geodes[0].region must be a region id'],
    [
      { geodes: [{ region: 'eu', url: 'ftp://a' }] },
      'geodes[0].url must be an http:// or https:// URL',
    ],
    [{ geodes, preferences: { De: ['eu-west-1'] } }, 'preferences.De'],
    [{ geodes, preferences: { DE: ['mars-1'] } }, 'preferences.DE[0] names mars-1'],
    [{ geodes, fallback: ['eu-west-1', 'mars-1'] }, 'fallback[1] names mars-1'],
    [{ geodes: [...geodes, geodes[0]] }, 'geodes[3].region names eu-west-1 a second time'],
    [{ geodes, health: { intervalMs: 5 } }, 'health.intervalMs must be at least 50 (got 5)'],
    [{ geodes, helth: {} }, 'helth'],
  ])('refuses %j with one line naming the setting', (json, message) => {
    expect(() => parseRouterSettings(json)).toThrow(ConfigError);
    expect(() => parseRouterSettings(json)).toThrow(message);
  });
});

describe('loadRouterConfig', () => {
  const file = JSON.stringify({ geodes });

  it('reads the file named by the flag, which wins over the environment', () => {
    const read = jest.fn(() => file);
    const config = loadRouterConfig(
      { ROUTER_CONFIG: 'env.json', ROUTER_PORT: '9000' },
      { config: 'flag.json', port: '0' },
      read,
    );
    expect(read).toHaveBeenCalledWith('flag.json');
    expect(config.http).toEqual({ host: '127.0.0.1', port: 0 });
    expect(config.geodes).toHaveLength(3);
  });

  it('says what is wrong with the file in one line', () => {
    expect(() => loadRouterConfig({}, {}, () => file)).toThrow('ROUTER_CONFIG is required');
    expect(() => loadRouterConfig({ ROUTER_CONFIG: 'x.json' }, {}, () => '{ nope')).toThrow(
      /^x\.json is not valid JSON/,
    );
    const missing = () => {
      throw Object.assign(new Error('gone'), { code: 'ENOENT' });
    };
    expect(() => loadRouterConfig({ ROUTER_CONFIG: 'x.json' }, {}, missing)).toThrow(
      'cannot read the configuration file x.json: no such file',
    );
    expect(() =>
      loadRouterConfig({ ROUTER_CONFIG: 'x.json', ROUTER_PORT: 'http' }, {}, () => file),
    ).toThrow('ROUTER_PORT must be a whole number (got "http")');
  });

  it('reads the CA of https:// geodes named by upstream.caFile', () => {
    const withCa = JSON.stringify({ geodes, upstream: { caFile: '/etc/geode/ca.pem' } });
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    const files: Record<string, string> = { 'r.json': withCa, '/etc/geode/ca.pem': pem };
    expect(
      loadRouterConfig({ ROUTER_CONFIG: 'r.json' }, {}, (path) => files[path]).upstreamCaPem,
    ).toBe(pem);
    files['/etc/geode/ca.pem'] = 'not a certificate';
    expect(() => loadRouterConfig({ ROUTER_CONFIG: 'r.json' }, {}, (path) => files[path])).toThrow(
      'r.json: upstream.caFile /etc/geode/ca.pem holds no PEM certificate',
    );
  });

  it("reads the console's operator token from console.operatorTokenFile, never echoing it", () => {
    const json = JSON.stringify({ geodes, console: { operatorTokenFile: '/run/geode/token' } });
    const token = 'Zq3v8KxN1pT6wR2mB9cH5yL0dJ4sF7gA-_x1y2z3w4v5u';
    const files: Record<string, string> = { 'r.json': json, '/run/geode/token': `${token}\n` };
    const load = () => loadRouterConfig({ ROUTER_CONFIG: 'r.json' }, {}, (path) => files[path]);
    expect(load().consoleOperatorToken).toBe(token);
    files['/run/geode/token'] = 'two words';
    expect(load).toThrow(
      'r.json: console.operatorTokenFile /run/geode/token does not hold one operator token',
    );
    expect(load).not.toThrow('two words');
  });
});
