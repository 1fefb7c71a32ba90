/** Where a command writes: human lines, or one JSON document with --json. */
export interface CliOutput {
  json: boolean;
  line(text?: string): void;
  /** The command's result as JSON (with --json only). */
  result(value: unknown): void;
  /** Replaces the current terminal line (progress bars); a plain line when not a terminal. */
  progress(text: string): void;
}

export function terminalOutput(
  json: boolean,
  stream: NodeJS.WriteStream = process.stdout,
): CliOutput {
  let progressShown = false;
  let lastProgress = '';
  const endProgress = () => {
    if (progressShown) stream.write('\n');
    progressShown = false;
  };
  return {
    json,
    line(text = '') {
      if (json) return;
      endProgress();
      stream.write(`${text}\n`);
    },
    result(value) {
      if (json) stream.write(`${JSON.stringify(value, null, 2)}\n`);
    },
    progress(text) {
      if (json || text === lastProgress) return;
      lastProgress = text;
      if (stream.isTTY) {
        stream.write(`\r\x1b[2K${text}`);
        progressShown = true;
      } else {
        stream.write(`${text}\n`);
      }
    },
  };
}

/** Columns padded to their widest cell. */
export function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, column) =>
    Math.max(...rows.map((row) => (row[column] ?? '').length)),
  );
  return rows.map((row) =>
    row
      .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column])))
      .join('  ')
      .trimEnd(),
  );
}

/** `[#########.........]  45%` */
export function progressBar(done: number, total: number, width = 30): string {
  const ratio = total <= 0 ? 0 : Math.min(1, done / total);
  const filled = Math.round(ratio * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.round(ratio * 100)).padStart(3)}%`;
}
