import { CliError } from './cli-error';
import { terminalOutput } from './cli-output';
import { type CliCommand, runCli } from './command-table';
import { COMMANDS } from './commands';

function harness(commands: readonly CliCommand[] = COMMANDS) {
  let stdout = '';
  let stderr = '';
  const run = (...argv: string[]) =>
    runCli(argv, commands, {
      out: (json) =>
        terminalOutput(json, {
          write: (text: string) => (stdout += text),
          isTTY: false,
        } as unknown as NodeJS.WriteStream),
      stdout: (text) => (stdout += text),
      stderr: (text) => (stderr += text),
      env: {},
      interrupted: new Promise(() => undefined),
    });
  return { run, stdout: () => stdout, stderr: () => stderr };
}

describe('the geode command table', () => {
  it('lists every command with --help, and every command has its own --help', async () => {
    const cli = harness();
    expect(await cli.run('--help')).toBe(0);
    for (const command of COMMANDS)
      expect(cli.stdout()).toContain(`geode ${command.path.join(' ')}`);
    for (const command of COMMANDS) {
      const one = harness();
      expect(await one.run(...command.path, '--help')).toBe(0);
      expect(one.stdout()).toMatch(new RegExp(`^Usage: geode ${command.path.join(' ')}`));
      expect(one.stdout()).toContain('--json');
    }
  });

  it('no arguments: the overview, exit 2', async () => {
    const cli = harness();
    expect(await cli.run()).toBe(2);
    expect(cli.stdout()).toContain('Usage: geode <command>');
  });

  it.each([
    [['launch'], /^geode: unknown command "launch" \(see geode --help\)\n$/],
    [['projections'], /^geode: unknown command "projections"; try "geode projections list"/],
    [['partition'], /^geode: usage: geode partition <region> \[<region>\]/],
    [['partition', 'a', 'b', 'c'], /^geode: usage: geode partition/],
    [['heal', '--bogus'], /^geode: Unknown option '--bogus'.* \(see geode heal --help\)\n$/],
    [['world', '--regions', 'EU'], /^geode: --regions: "EU" is not a region id/],
    [['world', '--regions', 'eu-west-1'], /^geode: --regions must name 2 to 6 regions/],
    [['world', '--wan-delay', 'fast'], /^geode: --wan-delay must be a duration such as 80ms/],
    [['world', '--router-port', '70000'], /^geode: --router-port must be a port number/],
    [['projections', 'rebuild', 'ledger'], /^geode: --region is required/],
  ])('refuses %j with one line and exit 2', async (argv, message) => {
    const cli = harness();
    expect(await cli.run(...argv)).toBe(2);
    expect(cli.stderr()).toMatch(message);
    expect(cli.stderr().trim().split('\n')).toHaveLength(1);
  });

  it('refill needs the region and --from, else exit 2 with its usage', async () => {
    const cli = harness();
    expect(await cli.run('refill', 'us-east-1')).toBe(2);
    expect(cli.stderr()).toMatch(/^geode: usage: geode refill <region> --from <region>/);
  });

  it('a command failing with a CliError prints its line and exit code; --world names the world', async () => {
    const seen: string[] = [];
    const failing: CliCommand = {
      path: ['probe'],
      usage: '',
      summary: 'test',
      // eslint-disable-next-line @typescript-eslint/require-await
      async run({ world }) {
        seen.push(world.controlUrl);
        throw new CliError('it broke', 1);
      },
    };
    const cli = harness([failing]);
    expect(await cli.run('probe', '--world', 'http://127.0.0.1:1/')).toBe(1);
    expect(cli.stderr()).toBe('geode: it broke\n');
    expect(seen).toEqual(['http://127.0.0.1:1']);
  });
});
