import pino, { Logger, LevelWithSilent } from 'pino';

export interface RootLoggerOptions {
  service: string;
  level: LevelWithSilent;
  /** Extra fields on every line, e.g. `{ region: 'eu-west-1' }`. */
  base?: Record<string, string>;
}

/**
 * The process's one pino logger. It exists before Nest does, so start-up work
 * (the embedded database, migrations) logs through it too.
 */
export function createRootLogger(options: RootLoggerOptions): Logger {
  return pino({
    level: options.level,
    base: { service: options.service, ...options.base },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
}
