import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { CliError } from './cli-error';
import { type CliOutput, table } from './cli-output';
import { DEFAULT_WORLD_URL, WorldClient } from './world-client';

export interface CommandInput {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
  out: CliOutput;
  /** The running world named by --world, GEODE_WORLD_URL or the default. */
  world: WorldClient;
  env: NodeJS.ProcessEnv;
  /** Resolves when the user asks the command to stop (Ctrl-C); long-running commands watch it. */
  interrupted: Promise<void>;
}

export interface CliCommand {
  /** Words after `geode`, e.g. ['projections', 'list']. */
  path: string[];
  summary: string;
  /** Arguments after the path, e.g. `<region> [<region>]`. */
  usage: string;
  /** More lines for --help. */
  details?: string;
  options?: ParseArgsOptionsConfig;
  positionals?: { min: number; max: number };
  run(input: CommandInput): Promise<number | void>;
}

const COMMON: ParseArgsOptionsConfig = {
  json: { type: 'boolean' },
  world: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

const COMMON_HELP = `  --json          one JSON document on stdout instead of human lines
  --world <url>   the world's control API (env GEODE_WORLD_URL, default ${DEFAULT_WORLD_URL})
  -h, --help      this help`;

/** The usage without its options: `<region> [<region>]`, `[options]`. */
function shortUsage(usage: string): string {
  const positional = usage.replace(/\s*\[?--[a-z-]+(\s+<[^>]+>|\s+[^\s\]]+)?\]?/g, '').trim();
  return positional === usage.trim() ? positional : `${positional} [options]`.trim();
}

export function overview(commands: readonly CliCommand[]): string {
  const rows = commands.map((command) => [
    `  geode ${command.path.join(' ')} ${shortUsage(command.usage)}`.trimEnd(),
    command.summary,
  ]);
  return [
    'Usage: geode <command> [options]',
    '',
    'The Geode operator CLI: a local world of regions, and the operations on it.',
    '',
    'Commands:',
    ...table(rows),
    '',
    'Every command takes --help, --json and --world <url>. Exit codes: 0 done,',
    '1 failed (or a check did not hold), 2 wrong usage or not available.',
  ].join('\n');
}

export function commandHelp(command: CliCommand): string {
  return [
    `Usage: geode ${command.path.join(' ')} ${command.usage}`.trimEnd(),
    '',
    command.summary,
    ...(command.details ? ['', command.details] : []),
    '',
    'Common options:',
    COMMON_HELP,
  ].join('\n');
}

/** The command whose path is the longest prefix of argv. */
function findCommand(commands: readonly CliCommand[], argv: string[]): CliCommand | undefined {
  let best: CliCommand | undefined;
  for (const command of commands) {
    const matches = command.path.every((word, index) => argv[index] === word);
    if (matches && (!best || command.path.length > best.path.length)) best = command;
  }
  return best;
}

/**
 * Runs one command line. Returns the exit code; `CliError`s become one line on
 * stderr (`geode: …`).
 */
export async function runCli(
  argv: string[],
  commands: readonly CliCommand[],
  io: {
    out: (json: boolean) => CliOutput;
    stdout: (text: string) => void;
    stderr: (text: string) => void;
    env: NodeJS.ProcessEnv;
    interrupted: Promise<void>;
  },
): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.stdout(`${overview(commands)}\n`);
    return argv.length === 0 ? 2 : 0;
  }
  const command = findCommand(commands, argv);
  if (!command) {
    const group = commands.filter((candidate) => candidate.path[0] === argv[0]);
    const hint = group.length
      ? `; try ${group.map((candidate) => `"geode ${candidate.path.join(' ')}"`).join(', ')}`
      : ' (see geode --help)';
    io.stderr(`geode: unknown command "${argv.slice(0, 2).join(' ')}"${hint}\n`);
    return 2;
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: argv.slice(command.path.length),
      options: { ...COMMON, ...command.options },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    io.stderr(`geode: ${(error as Error).message} (see geode ${command.path.join(' ')} --help)\n`);
    return 2;
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values.help) {
    io.stdout(`${commandHelp(command)}\n`);
    return 0;
  }
  const { min, max } = command.positionals ?? { min: 0, max: 0 };
  if (parsed.positionals.length < min || parsed.positionals.length > max) {
    io.stderr(`geode: usage: geode ${command.path.join(' ')} ${command.usage} (see --help)\n`);
    return 2;
  }
  const worldUrl =
    (values.world as string | undefined) ?? io.env.GEODE_WORLD_URL ?? DEFAULT_WORLD_URL;
  const world = new WorldClient(
    worldUrl.replace(/\/+$/, ''),
    (values.token as string | undefined) ?? io.env.GEODE_OPERATOR_TOKEN,
  );
  try {
    const code = await command.run({
      values,
      positionals: parsed.positionals,
      out: io.out(values.json === true),
      world,
      env: io.env,
      interrupted: io.interrupted,
    });
    return code ?? 0;
  } catch (error) {
    if (error instanceof CliError) {
      io.stderr(`geode: ${error.message}\n`);
      return error.exitCode;
    }
    throw error;
  } finally {
    await world.close();
  }
}
