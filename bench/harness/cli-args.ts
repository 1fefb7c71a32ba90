export type CliCommand =
  { kind: 'help' } | { kind: 'run'; benchmark: string; quick: boolean; jsonFile?: string };

/** A mistake on the command line: one line for the user, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** `<name> [--quick] [--json <file>] [--help]`, in any order. */
export function parseCliArgs(argv: readonly string[], benchmarks: readonly string[]): CliCommand {
  let benchmark: string | undefined;
  let quick = false;
  let jsonFile: string | undefined;
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index];
    if (arg === '--help' || arg === '-h') return { kind: 'help' };
    if (arg === '--quick') {
      quick = true;
    } else if (arg === '--json' || arg.startsWith('--json=')) {
      const value = arg === '--json' ? argv[++index] : arg.slice('--json='.length);
      if (!value || value.startsWith('--')) throw new UsageError('--json needs a file name');
      jsonFile = value;
    } else if (arg.startsWith('-')) {
      throw new UsageError(`unknown option ${arg} (see --help)`);
    } else if (benchmark !== undefined) {
      throw new UsageError(`one benchmark at a time: got ${benchmark} and ${arg}`);
    } else if (!benchmarks.includes(arg)) {
      throw new UsageError(`unknown benchmark ${arg}; known: ${benchmarks.join(', ')}`);
    } else {
      benchmark = arg;
    }
  }
  if (benchmark === undefined) {
    throw new UsageError(`name a benchmark: ${benchmarks.join(', ')} (see --help)`);
  }
  return { kind: 'run', benchmark, quick, jsonFile };
}
