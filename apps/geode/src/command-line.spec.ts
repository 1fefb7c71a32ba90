import { parseCommandLine } from './command-line';
import { ConfigError } from './config/geode-config';

describe('parseCommandLine', () => {
  it('serves by default and reads flags in both spellings', () => {
    expect(parseCommandLine(['--region', 'eu-west-1', '--port=0'])).toEqual({
      command: 'serve',
      flags: { region: 'eu-west-1', port: '0', host: undefined },
    });
  });

  it('knows migrate and help', () => {
    expect(parseCommandLine(['migrate']).command).toBe('migrate');
    expect(parseCommandLine(['--help']).command).toBe('help');
    expect(parseCommandLine(['-h']).command).toBe('help');
  });

  it.each([[['--regoin', 'x']], [['deploy']], [['serve', 'extra']]])('refuses %j', (argv) => {
    expect(() => parseCommandLine(argv)).toThrow(ConfigError);
  });
});
