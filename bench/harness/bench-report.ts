import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { MachineInfo } from './machine-info';

/**
 * One measured (case, subject). The named figures are the ones BENCH.md fixes;
 * a benchmark may add its own (retries, pages …) after them.
 */
export interface BenchRow {
  case: string;
  subject: string;
  eventsPerSec?: number;
  requestsPerSec?: number;
  p50Ms?: number | null;
  p99Ms?: number | null;
  peakRssMb?: number;
  bytesPerEvent?: number;
  cpuPercent?: number;
  [figure: string]: unknown;
}

/** The JSON file of a run, in the shape of BENCH.md, plus whatever the benchmark adds. */
export interface BenchReport {
  benchmark: string;
  quick: boolean;
  startedAt: string;
  machine: MachineInfo;
  rows: BenchRow[];
  [extra: string]: unknown;
}

export async function writeJsonReport(file: string, report: BenchReport): Promise<string> {
  const path = resolve(file);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(report, null, 2)}\n`);
  return path;
}

/**
 * Per case, `subject`'s figure divided by each other subject's, keyed
 * `<subject>Over<Other>` (e.g. `geodeOverEmmett`); null when either did not run.
 */
export function ratiosPerCase(
  rows: readonly BenchRow[],
  cases: readonly string[],
  subject: string,
  others: readonly string[],
  figure: 'eventsPerSec' | 'requestsPerSec' = 'eventsPerSec',
): Record<string, string | number | null>[] {
  const valueOf = (caseName: string, name: string) => {
    const value = rows.find((row) => row.case === caseName && row.subject === name)?.[figure];
    return typeof value === 'number' ? value : undefined;
  };
  return cases.map((caseName) => {
    const ratios: Record<string, string | number | null> = { case: caseName };
    const mine = valueOf(caseName, subject);
    for (const other of others) {
      const theirs = valueOf(caseName, other);
      ratios[`${subject}Over${capitalised(other)}`] =
        mine === undefined || theirs === undefined || theirs === 0 ? null : round(mine / theirs, 3);
    }
    return ratios;
  });
}

export function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

function capitalised(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}
