/** Progress for people, on stderr: stdout carries the results table only. */
export class Progress {
  constructor(private readonly prefix: string) {}

  note(message: string): void {
    process.stderr.write(`[${this.prefix}] ${message}\n`);
  }

  warn(message: string): void {
    process.stderr.write(`[${this.prefix}] warning: ${message}\n`);
  }

  /** Something that makes the figures wrong: printed so that nobody misses it. */
  failure(message: string): void {
    process.stderr.write(`[${this.prefix}] FAILED: ${message}\n`);
  }
}
