/**
 * A failure the user can act on from its message alone: printed as one line
 * (`geode: …`), no stack, and the process exits with `exitCode`.
 * 1: the operation failed or a check did not hold; 2: wrong usage or not available.
 */
export class CliError extends Error {
  override readonly name = 'CliError';

  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 1,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
