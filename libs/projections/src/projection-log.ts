/** Where the platform reports (pino-style: fields first, then the message). */
export interface ProjectionLog {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export const silentProjectionLog: ProjectionLog = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
