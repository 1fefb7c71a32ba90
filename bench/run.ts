import { DatabaseUnavailableError } from '@geode/database';
import { benchmarks } from './benchmarks';
import { BenchPostgres } from './harness/bench-postgres';
import { writeJsonReport, type BenchReport } from './harness/bench-report';
import type { Benchmark, BenchmarkResult } from './harness/benchmark';
import { parseCliArgs, UsageError } from './harness/cli-args';
import { machineInfo } from './harness/machine-info';
import { Progress } from './harness/progress';

const USAGE_EXIT = 2;
const FAILURE_EXIT = 1;
const INTERRUPTED_EXIT = 130;

function usage(): string {
  const names = benchmarks.map(
    (benchmark) =>
      `  ${benchmark.name.padEnd(12)} ${benchmark.summary}\n` +
      `  ${''.padEnd(12)} cases: ${benchmark.cases.join(', ')}\n` +
      `  ${''.padEnd(12)} subjects: ${benchmark.subjects.join(', ')}`,
  );
  return [
    'usage: npm run bench -- <benchmark> [--quick] [--json <file>]',
    '',
    'benchmarks:',
    ...names,
    '',
    'options:',
    '  --quick        every case at a reduced size (the whole run well under 2 minutes)',
    '  --json <file>  also write the figures as JSON (shape: BENCH.md)',
    '  --help         this text',
    '',
    'PostgreSQL: the server in DATABASE_URL (the run creates and drops its own databases',
    'geode_bench_<id>_<subject> there), else an embedded server started for the run under',
    './data/bench-<id> with fsync on, removed at the end.',
    '',
  ].join('\n');
}

async function main(argv: readonly string[]): Promise<number> {
  let command;
  try {
    command = parseCliArgs(
      argv,
      benchmarks.map((benchmark) => benchmark.name),
    );
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`bench: ${error.message}\n`);
    return USAGE_EXIT;
  }
  if (command.kind === 'help') {
    process.stdout.write(usage());
    return 0;
  }
  const benchmark = benchmarks.find((candidate) => candidate.name === command.benchmark)!;
  const progress = new Progress(benchmark.name);
  const interrupt = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupt.signal.aborted) {
      progress.note('still cleaning up (databases, embedded server) …');
      return;
    }
    progress.note(`${signal}: stopping and cleaning up …`);
    interrupt.abort(new Error(`interrupted by ${signal}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const startedAt = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  let postgres: BenchPostgres | undefined;
  try {
    postgres = await BenchPostgres.open({ databaseUrl: process.env.DATABASE_URL, progress });
    interrupt.signal.throwIfAborted();
    const postgresVersion = await postgres.serverVersion();
    progress.note(
      `${command.quick ? 'quick run' : 'full run'}; PostgreSQL ${postgresVersion}, ` +
        `Node ${process.version}`,
    );
    const result = await benchmark.run({
      quick: command.quick,
      postgres,
      progress,
      signal: interrupt.signal,
    });
    await report(benchmark, command, startedAt, machineInfo(postgresVersion), result, progress);
    return result.failures.length > 0 ? FAILURE_EXIT : 0;
  } catch (error) {
    if (interrupt.signal.aborted) return INTERRUPTED_EXIT;
    // A database that cannot be reached is one line; anything else, the whole story.
    const expected = error instanceof DatabaseUnavailableError;
    progress.failure(
      error instanceof Error
        ? ((expected ? undefined : error.stack) ?? error.message)
        : String(error),
    );
    return FAILURE_EXIT;
  } finally {
    await postgres?.close();
  }
}

async function report(
  benchmark: Benchmark,
  command: { quick: boolean; jsonFile?: string },
  startedAt: string,
  machine: ReturnType<typeof machineInfo>,
  result: BenchmarkResult,
  progress: Progress,
): Promise<void> {
  process.stdout.write(`${result.tables.join('\n\n')}\n`);
  for (const failure of result.failures) progress.failure(failure);
  if (command.jsonFile === undefined) return;
  const json: BenchReport = {
    benchmark: benchmark.name,
    quick: command.quick,
    startedAt,
    machine,
    rows: result.rows,
    ...result.extra,
    ...(result.failures.length > 0 ? { failures: result.failures } : {}),
  };
  const path = await writeJsonReport(command.jsonFile, json);
  progress.note(`wrote ${path}`);
}

void main(process.argv.slice(2)).then((code) => process.exit(code));
