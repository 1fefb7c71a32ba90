import { parseCommandLine } from './command-line';
import { ConfigError } from './config/router-config';

describe('parseCommandLine', () => {
  it('serves by default and reads flags', () => {
    expect(parseCommandLine(['--config', 'r.json', '--port=0'])).toEqual({
      command: 'serve',
      flags: { config: 'r.json', port: '0', host: undefined },
    });
    expect(parseCommandLine(['-h']).command).toBe('help');
  });

  it.each([[['--confg', 'x']], [['route']], [['serve', 'extra']]])('refuses %j', (argv) => {
    expect(() => parseCommandLine(argv)).toThrow(ConfigError);
  });
});
